#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"

namespace fhirgw::fhir {

/// JSON text parsed for FHIR validation: like common::parseJson (numbers kept as their digits,
/// iterative, UTF-8 checked, limits enforced), and it also remembers which values were JSON numbers.
///
/// RapidJSON 1.1 stores a number read with kParseNumbersAsStringsFlag as an ordinary string value
/// (GenericDocument::RawNumber builds the same value as String), so a document from
/// common::parseJson cannot tell `"birthDate": 19790312` from `"birthDate": "19790312"`. Here the
/// digits of numbers live in a side buffer owned by this object, and a value is a number when its
/// characters are in that buffer.
class ParsedJson {
 public:
  /// Parses untrusted text; errors are kInvalidArgument with the byte offset.
  static common::Result<ParsedJson> parse(std::string_view text,
                                          const common::JsonLimits& limits = {});

  /// The document (numbers appear as string values holding their digits).
  const rapidjson::Document& document() const { return doc_; }
  /// True when v, a value of this document, was a JSON number in the text.
  bool isNumber(const rapidjson::Value& v) const;

 private:
  ParsedJson() = default;

  std::unique_ptr<char[]> numbers_;  // digits of every number, NUL-separated
  std::size_t numbersSize_ = 0;
  rapidjson::Document doc_;
};

}  // namespace fhirgw::fhir
