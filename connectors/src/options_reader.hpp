#pragma once

// Strict reading of connector options: each key read is checked for its JSON type and range;
// finish() reports every key that was not read as unknown. Errors name the full key path.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::connectors::detail {

/// Reads one JSON object of a configuration; collects errors instead of stopping at the first.
class OptionsReader {
 public:
  /// `value` must live in `doc`; `path` is the object's key path ("connectors[0].options").
  OptionsReader(const common::JsonDocument& doc, const rapidjson::Value* value, std::string path,
                std::vector<std::string>& errors);

  /// False (with an error) when the value is not an object.
  bool isObject() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  /// The full path of a key.
  std::string keyPath(std::string_view key) const;
  /// True when the key is present (and marks it as read).
  bool has(std::string_view key);

  std::optional<std::string> string(std::string_view key, bool required = false);
  /// A non-empty string that is the path of a readable regular file.
  std::optional<std::string> readableFile(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required = false);
  /// An integer number of milliseconds in [min, max].
  std::optional<std::chrono::milliseconds> millis(std::string_view key, std::int64_t min,
                                                  std::int64_t max);
  /// A JSON number (integer or decimal) in [min, max].
  std::optional<double> number(std::string_view key, double min, double max);
  /// An array of strings.
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required = false);
  /// A nested object (nullptr when absent; an error when not an object).
  const rapidjson::Value* object(std::string_view key);

  /// Adds an error about a key (or about the object itself when key is empty).
  void error(std::string_view key, std::string_view message);
  /// Reports the keys never read as unknown.
  void finish();

  const common::JsonDocument& document() const { return doc_; }

 private:
  const rapidjson::Value* member(std::string_view key, bool required);

  const common::JsonDocument& doc_;
  const rapidjson::Value* object_ = nullptr;
  std::string path_;
  std::vector<std::string>& errors_;
  std::set<std::string, std::less<>> read_;
};

/// All the errors as one kInvalidArgument Status ("a: ...; b: ..."), or ok when none.
common::Status errorsToStatus(const std::vector<std::string>& errors);

}  // namespace fhirgw::connectors::detail
