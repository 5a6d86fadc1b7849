#pragma once

#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway {

/// Parses a UTC instant such as "2026-11-20T08:30:00Z" or "2026-11-20T08:30:00.250Z" (FHIR
/// dateTime with the Z offset); nullopt otherwise, or outside the clock's range.
std::optional<common::TimePoint> parseUtcInstant(const std::string& text);

/// On a full page of a listing: sets the Link header (RFC 8288, rel="next") to this request's
/// address with `cursor` set to the given value, its other parameters kept (percent-encoded).
void setNextPageLink(Exchange& ex, const std::string& cursor);

/// The query parameters of a request, read with their checks. A parameter that is present but
/// bad (a page size, cursor or instant that does not parse) must not read as its default: the
/// first one is remembered and answerRefusal answers 400 with an OperationOutcome at it.
class QueryParams {
 public:
  explicit QueryParams(const std::map<std::string, std::string>& query) : query_(query) {}

  /// A parameter as text; nullopt when absent.
  std::optional<std::string> text(const std::string& name) const;
  /// A whole number in [min, max]; nullopt when absent or bad.
  template <typename T>
  std::optional<T> number(const std::string& name, T min, T max);
  /// An instant in UTC such as 2026-11-20T08:30:00Z (milliseconds allowed); nullopt when absent
  /// or bad.
  std::optional<common::TimePoint> instant(const std::string& name);
  /// A boolean written true or false; false when absent or bad.
  bool flag(const std::string& name);
  /// Remembers a bad value of a parameter (the first one counts).
  void refuse(const std::string& name, std::string diagnostics);

  /// Answers 400 (issue type "value", at the parameter) when a value was bad; true then.
  bool answerRefusal(Exchange& ex) const;

 private:
  const std::map<std::string, std::string>& query_;
  std::optional<std::string> badName_;
  std::string diagnostics_;
};

template <typename T>
std::optional<T> QueryParams::number(const std::string& name, T min, T max) {
  const auto text = this->text(name);
  if (!text) return std::nullopt;
  T value{};
  const char* end = text->data() + text->size();
  const auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || stop != end || value < min || value > max) {
    refuse(name, name + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max));
    return std::nullopt;
  }
  return value;
}

}  // namespace fhirgw::gateway
