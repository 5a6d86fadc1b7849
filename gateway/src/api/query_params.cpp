#include "fhirgw/gateway/api/query_params.hpp"

#include <Poco/URI.h>

#include <chrono>

#include "fhirgw/fhir/date_time.hpp"

namespace fhirgw::gateway {

std::optional<common::TimePoint> parseUtcInstant(const std::string& text) {
  if (text.empty() || text.back() != 'Z') return std::nullopt;
  const std::optional<fhir::DateTime> at = fhir::DateTime::parse(text);
  if (!at) return std::nullopt;
  // The clock counts nanoseconds: about the years 1678-2262.
  const auto min = std::chrono::ceil<std::chrono::milliseconds>(common::TimePoint::min());
  const auto max = std::chrono::floor<std::chrono::milliseconds>(common::TimePoint::max());
  if (at->instant < min || at->instant > max) return std::nullopt;
  return common::TimePoint(at->instant.time_since_epoch());
}

void setNextPageLink(Exchange& ex, const std::string& cursor) {
  Poco::URI next(ex.path());
  for (const auto& [name, value] : ex.query()) {
    if (name != "cursor") next.addQueryParameter(name, value);
  }
  next.addQueryParameter("cursor", cursor);
  ex.setHeader("Link", "<" + next.toString() + ">; rel=\"next\"");
}

std::optional<std::string> QueryParams::text(const std::string& name) const {
  const auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

std::optional<common::TimePoint> QueryParams::instant(const std::string& name) {
  const auto text = this->text(name);
  if (!text) return std::nullopt;
  auto at = parseUtcInstant(*text);
  if (!at) refuse(name, name + " must be an instant in UTC such as 2026-11-20T08:30:00Z");
  return at;
}

bool QueryParams::flag(const std::string& name) {
  const auto text = this->text(name);
  if (!text || *text == "false") return false;
  if (*text == "true") return true;
  refuse(name, name + " must be true or false");
  return false;
}

void QueryParams::refuse(const std::string& name, std::string diagnostics) {
  if (badName_) return;
  badName_ = name;
  diagnostics_ = std::move(diagnostics);
}

bool QueryParams::answerRefusal(Exchange& ex) const {
  if (!badName_) return false;
  ex.sendError(400, "value", diagnostics_, *badName_);
  return true;
}

}  // namespace fhirgw::gateway
