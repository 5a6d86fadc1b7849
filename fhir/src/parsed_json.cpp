#include "fhirgw/fhir/parsed_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace fhirgw::fhir {
namespace {

// The flags of common::parseJson (see json.hpp for why).
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag;

/// Builds the document while enforcing the limits; numbers go to the side buffer as non-copied
/// strings. The limits behave as in common::parseJson.
class Handler {
 public:
  Handler(rapidjson::Document& doc, const common::JsonLimits& limits, char* numbers)
      : doc_(doc), limits_(limits), numbers_(numbers) {}

  bool Null() { return count() && doc_.Null(); }
  bool Bool(bool b) { return count() && doc_.Bool(b); }
  // Never called with kParseNumbersAsStringsFlag; kept for the handler concept.
  bool Int(int i) { return count() && doc_.Int(i); }
  bool Uint(unsigned u) { return count() && doc_.Uint(u); }
  bool Int64(int64_t i) { return count() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return count() && doc_.Uint64(u); }
  bool Double(double d) { return count() && doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    if (!count()) return false;
    // Each number is followed by a delimiter or the end of the text, so the digits plus one NUL
    // per number never exceed the text size plus one.
    char* p = numbers_ + used_;
    std::memcpy(p, s, n);
    p[n] = '\0';
    used_ += n + 1;
    return doc_.RawNumber(p, n, false);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (n > limits_.maxStringBytes) return fail("a string is longer than the limit");
    return count() && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (n > limits_.maxStringBytes) return fail("a key is longer than the limit");
    return doc_.Key(s, n, copy);
  }
  bool StartObject() { return open(kNotArray) && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    close();
    return doc_.EndObject(n);
  }
  bool StartArray() { return open(0) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    close();
    return doc_.EndArray(n);
  }

  const std::string& limitError() const { return limitError_; }

 private:
  bool fail(std::string message) {
    limitError_ = std::move(message);
    return false;
  }
  bool count() {
    if (!arrayCounts_.empty() && arrayCounts_.back() != kNotArray &&
        ++arrayCounts_.back() > limits_.maxArrayLength) {
      return fail("an array has more elements than the limit");
    }
    return true;
  }
  bool open(std::size_t initial) {
    if (!count()) return false;
    if (arrayCounts_.size() >= limits_.maxDepth) return fail("nesting is deeper than the limit");
    arrayCounts_.push_back(initial);
    return true;
  }
  void close() {
    if (!arrayCounts_.empty()) arrayCounts_.pop_back();
  }

  static constexpr std::size_t kNotArray = static_cast<std::size_t>(-1);
  rapidjson::Document& doc_;
  const common::JsonLimits& limits_;
  char* numbers_;
  std::size_t used_ = 0;
  std::vector<std::size_t> arrayCounts_;
  std::string limitError_;
};

}  // namespace

common::Result<ParsedJson> ParsedJson::parse(std::string_view text,
                                             const common::JsonLimits& limits) {
  ParsedJson out;
  out.numbersSize_ = text.size() + 1;
  out.numbers_ = std::make_unique<char[]>(out.numbersSize_);
  rapidjson::ParseResult result;
  std::string limitError;
  auto generator = [&](rapidjson::Document& doc) {
    Handler handler(doc, limits, out.numbers_.get());
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(ms, handler);
    limitError = handler.limitError();
    return !result.IsError();
  };
  out.doc_.Populate(generator);
  if (result.IsError()) {
    std::string message = limitError.empty()
                              ? std::string(rapidjson::GetParseError_En(result.Code()))
                              : limitError;
    return common::invalidArgument("invalid JSON at byte " + std::to_string(result.Offset()) +
                                   ": " + message);
  }
  return out;
}

bool ParsedJson::isNumber(const rapidjson::Value& v) const {
  if (v.IsNumber()) return true;
  if (!v.IsString()) return false;
  // Compare addresses as integers: the buffer and the string may be unrelated objects.
  const auto p = reinterpret_cast<std::uintptr_t>(v.GetString());  // NOLINT
  const auto begin = reinterpret_cast<std::uintptr_t>(numbers_.get());  // NOLINT
  return p >= begin && p < begin + numbersSize_;
}

}  // namespace fhirgw::fhir
