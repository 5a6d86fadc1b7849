#pragma once

// Connector options are read with common::FieldReader in the plain wording of
// common::FieldErrors ("<path>: must be a string", "is required", "must not be null", "unknown
// key"); OptionsReader adds what only options take: readable files, milliseconds, and numbers
// as doubles. The one place connector configuration is read (instances, and each type's options
// through readOptions below and TypedConnectorFactory).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::connectors {

/// Reads one JSON object of connector options; collects errors instead of stopping at the first.
class OptionsReader : public common::FieldReader {
 public:
  /// `path` is the object's key path ("connectors[0].options").
  OptionsReader(const common::Json& value, std::string path, common::FieldErrors& errors);

  using common::FieldReader::integer;
  using common::FieldReader::string;
  using common::FieldReader::strings;

  /// False (with an error) when the value is not an object.
  bool isObject() const { return present(); }
  /// The reader of the object member `key`; nullopt when absent, null or not an object (the
  /// last two reported).
  std::optional<OptionsReader> child(std::string_view key);

  std::optional<std::string> string(std::string_view key, bool required) {
    return string(key, need(required));
  }
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required) {
    return integer(key, min, max, need(required));
  }
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required) {
    return strings(key, need(required));
  }
  /// A non-empty string that is the path of a readable regular file.
  std::optional<std::string> readableFile(std::string_view key, bool required = false);
  /// An integer number of milliseconds in [min, max].
  std::optional<std::chrono::milliseconds> millis(std::string_view key, std::int64_t min,
                                                  std::int64_t max);
  /// A JSON number (integer or decimal) in [min, max].
  std::optional<double> number(std::string_view key, double min, double max);

 private:
  static common::Need need(bool required) {
    return required ? common::Need::kRequired : common::Need::kOptional;
  }

  common::FieldErrors& errors_;
};

/// Parses options JSON text whose key path is `path` ("connectors[0].options") and reads it with
/// `read(OptionsReader&, Options&)`; the keys `read` did not take are unknown. Every problem comes
/// back together, as one kInvalidArgument naming each key by its full path.
template <class Options, class Read>
common::Result<Options> readOptions(std::string_view json, const std::string& path, Read&& read) {
  auto parsed = common::Json::parse(json);
  if (!parsed) return common::invalidArgument(path + ": " + parsed.error().message());
  common::FieldErrors errors;
  OptionsReader reader(*parsed, path, errors);
  Options out;
  if (reader.isObject()) {
    read(reader, out);
    reader.finish();
  }
  FHIRGW_RETURN_IF_ERROR(errors.status());
  return out;
}

}  // namespace fhirgw::connectors
