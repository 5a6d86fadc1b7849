#pragma once

// Internal to common: the one hardened SAX reading behind parseJson (into a RapidJSON document),
// Json::parse (into the ordered tree) and rewriteJsonStrings (straight to a writer), so all three
// refuse exactly the same inputs with the same messages, offsets and paths.
//
// Everything here has internal linkage (an unnamed namespace, in a header on purpose): each of
// the three files gets its own copy, instantiates RapidJSON's reader once, and GCC inlines the
// handler into it. Measured on the mapped resources of the full example: with external linkage,
// or a second reader instantiation in the same file, parseJson took 35 % longer.

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"

namespace fhirgw::common::detail {
namespace {

inline constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                        rapidjson::kParseIterativeFlag |
                                        rapidjson::kParseValidateEncodingFlag;

/// True when s holds the UTF-8 form of a UTF-16 surrogate (U+D800..U+DFFF: ED A0..BF xx). Raw
/// input bytes are validated by the reader, but RapidJSON 1.1 turns an escaped lone surrogate
/// (`\udc00`, or `\ud800` not followed by a low one) into these bytes instead of refusing it.
inline bool holdsSurrogate(const char* s, std::size_t n) {
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

/// Forwards SAX events to target (a RapidJSON document or a tree builder) while enforcing the
/// limits; returning false stops parsing. It also keeps the path of the value being read, so that
/// every refusal says where it is.
template <typename Target>
class LimitingHandler {
 public:
  /// scalarIsNumber, when given, receives one entry per scalar in document order: true for JSON
  /// numbers (a document keeps numbers as strings and needs to be told which ones they were).
  LimitingHandler(Target& target, const JsonLimits& limits, std::vector<bool>* scalarIsNumber)
      : target_(target), limits_(limits), scalarIsNumber_(scalarIsNumber) {}

  // NOLINTBEGIN(readability-identifier-naming): RapidJSON's Handler concept names these
  bool Null() { return scalar(false) && target_.Null(); }
  bool Bool(bool b) { return scalar(false) && target_.Bool(b); }
  bool Int(int i) { return count() && target_.Int(i); }
  bool Uint(unsigned u) { return count() && target_.Uint(u); }
  bool Int64(int64_t i) { return count() && target_.Int64(i); }
  bool Uint64(uint64_t u) { return count() && target_.Uint64(u); }
  bool Double(double d) { return count() && target_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return scalar(true) && target_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (!scalar(false)) return false;
    if (n > limits_.maxStringBytes) return fail("a string is longer than the limit");
    if (holdsSurrogate(s, n)) return fail("a string holds an unpaired UTF-16 surrogate escape");
    return target_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    Frame& frame = frames_.back();
    // A refused name is not echoed in the error path (it may be huge, or not valid UTF-8): the
    // path names the object that holds it.
    frame.key.clear();
    if (n > limits_.maxStringBytes) return fail("a key is longer than the limit");
    if (holdsSurrogate(s, n)) return fail("a key holds an unpaired UTF-16 surrogate escape");
    frame.key.assign(s, n);
    // Parsers disagree on which of two equal names wins (RapidJSON: the first, most others: the
    // last), so a body with both is ambiguous: refused, as the configuration reader does.
    if (!limits_.allowDuplicateNames && !frame.keys.insert(frame.key).second) {
      return fail("a member name appears twice");
    }
    return target_.Key(s, n, copy);
  }
  bool StartObject() { return open(false) && target_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    close();
    return target_.EndObject(n);
  }
  bool StartArray() { return open(true) && target_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    close();
    return target_.EndArray(n);
  }
  // NOLINTEND(readability-identifier-naming)

  const std::string& limitError() const { return limitError_; }

  /// The path of the value being read ("documents[2].end"; "" for the root), in the notation of
  /// OperationOutcome.issue.expression.
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.array) {
        if (f.elements > 0) out += "[" + std::to_string(f.elements - 1) + "]";
      } else if (!f.key.empty()) {
        if (!out.empty()) out += '.';
        out += f.key;
      }
    }
    return out;
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t elements = 0;              // arrays: elements seen so far
    std::string key;                       // objects: the member being read
    std::unordered_set<std::string> keys;  // objects: the names seen so far
  };

  bool scalar(bool isNumber) {
    if (scalarIsNumber_ != nullptr) scalarIsNumber_->push_back(isNumber);
    return count();
  }
  bool fail(std::string message) {
    limitError_ = std::move(message);
    return false;
  }
  // Counts one more element in the enclosing array.
  bool count() {
    if (!frames_.empty() && frames_.back().array &&
        ++frames_.back().elements > limits_.maxArrayLength) {
      return fail("an array has more elements than the limit");
    }
    return true;
  }
  bool open(bool array) {
    if (!count()) return false;
    if (frames_.size() >= limits_.maxDepth) return fail("nesting is deeper than the limit");
    frames_.push_back(Frame{array, 0, {}, {}});
    return true;
  }
  void close() {
    if (!frames_.empty()) frames_.pop_back();
  }

  Target& target_;
  const JsonLimits& limits_;
  std::vector<bool>* scalarIsNumber_;
  std::vector<Frame> frames_;
  std::string limitError_;
};

/// Runs the hardened reader over text into target. On failure: kInvalidArgument with the byte
/// offset, and where (when given) receives the offset and the path.
template <typename Target>
Status readJson(std::string_view text, const JsonLimits& limits, Target& target,
                std::vector<bool>* scalarIsNumber, JsonError* where) {
  LimitingHandler<Target> handler(target, limits, scalarIsNumber);
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse<kParseFlags>(ms, handler);
  if (!result.IsError()) return Status::ok();
  if (where != nullptr) *where = JsonError{result.Offset(), handler.path()};
  std::string message = handler.limitError().empty()
                            ? std::string(rapidjson::GetParseError_En(result.Code()))
                            : handler.limitError();
  return invalidArgument("invalid JSON at byte " + std::to_string(result.Offset()) + ": " +
                         message);
}

}  // namespace
}  // namespace fhirgw::common::detail
