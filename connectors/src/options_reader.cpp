#include "fhirgw/connectors/options_reader.hpp"

#include <cstdlib>
#include <utility>

#include "fhirgw/common/files.hpp"

namespace fhirgw::connectors {

namespace {

// A null or absent value is read as no object, and reported as "must be an object" (rather than
// FieldReader's "must not be null", which is about members).
const common::Json* notNull(const common::Json* value) {
  return value == nullptr || value->isNull() ? nullptr : value;
}

}  // namespace

OptionsReader::OptionsReader(const common::Json& value, std::string path,
                             common::FieldErrors& errors)
    : common::FieldReader(notNull(&value), std::move(path), errors), errors_(errors) {
  if (notNull(&value) == nullptr) error({}, "must be an object");
}

std::optional<OptionsReader> OptionsReader::child(std::string_view key) {
  const common::Json* value = take(key);
  if (value == nullptr) return std::nullopt;
  if (value->isNull()) {
    error(key, "must not be null");
    return std::nullopt;
  }
  OptionsReader reader(*value, keyPath(key), errors_);
  if (!reader.isObject()) return std::nullopt;
  return reader;
}

std::optional<std::string> OptionsReader::readableFile(std::string_view key, bool required) {
  auto path = string(key, need(required));
  if (!path) return std::nullopt;
  if (!common::isReadableFile(*path)) {
    error(key, "must name a readable file");
    return std::nullopt;
  }
  return path;
}

std::optional<std::chrono::milliseconds> OptionsReader::millis(std::string_view key,
                                                               std::int64_t min, std::int64_t max) {
  auto v = integer(key, min, max);
  if (!v) return std::nullopt;
  return std::chrono::milliseconds(*v);
}

std::optional<double> OptionsReader::number(std::string_view key, double min, double max) {
  const std::string range =
      "a number between " + std::to_string(min) + " and " + std::to_string(max);
  return leaf<double>(key, common::JsonKind::kNumber, range, common::Need::kOptional,
                      common::Shown::kValue,
                      [min, max](std::string_view text) -> std::optional<double> {
                        const std::string digits(text);
                        char* end = nullptr;
                        const double out = std::strtod(digits.c_str(), &end);
                        if (end != digits.c_str() + digits.size() || !(out >= min && out <= max)) {
                          return std::nullopt;
                        }
                        return out;
                      });
}

}  // namespace fhirgw::connectors
