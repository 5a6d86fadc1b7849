#include "fhirgw/common/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace fhirgw::common {
namespace {

constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag;

/// True when s holds the UTF-8 form of a UTF-16 surrogate (U+D800..U+DFFF: ED A0..BF xx). Raw
/// input bytes are validated by the reader, but RapidJSON 1.1 turns an escaped lone surrogate
/// (`\udc00`, or `\ud800` not followed by a low one) into these bytes instead of refusing it.
bool holdsSurrogate(const char* s, std::size_t n) {
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

/// Forwards SAX events to the document while enforcing the limits; returning false stops parsing.
/// It also keeps the path of the value being read, so that every refusal says where it is.
class LimitingHandler {
 public:
  LimitingHandler(rapidjson::Document& doc, const JsonLimits& limits)
      : doc_(doc), limits_(limits) {}

  bool Null() { return scalar(false) && doc_.Null(); }
  bool Bool(bool b) { return scalar(false) && doc_.Bool(b); }
  bool Int(int i) { return count() && doc_.Int(i); }
  bool Uint(unsigned u) { return count() && doc_.Uint(u); }
  bool Int64(int64_t i) { return count() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return count() && doc_.Uint64(u); }
  bool Double(double d) { return count() && doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return scalar(true) && doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (!scalar(false)) return false;
    if (n > limits_.maxStringBytes) return fail("a string is longer than the limit");
    if (holdsSurrogate(s, n)) return fail("a string holds an unpaired UTF-16 surrogate escape");
    return doc_.String(s, n, copy);
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
    return doc_.Key(s, n, copy);
  }
  bool StartObject() { return open(false) && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    close();
    return doc_.EndObject(n);
  }
  bool StartArray() { return open(true) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    close();
    return doc_.EndArray(n);
  }

  const std::string& limitError() const { return limitError_; }
  /// One entry per scalar, in document order: true for JSON numbers.
  std::vector<bool>& scalarIsNumber() { return scalarIsNumber_; }

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
    scalarIsNumber_.push_back(isNumber);
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

  rapidjson::Document& doc_;
  const JsonLimits& limits_;
  std::vector<Frame> frames_;
  std::vector<bool> scalarIsNumber_;
  std::string limitError_;
};

/// Generator for Document::Populate that runs the reader over the input.
struct Generator {
  std::string_view text;
  const JsonLimits& limits;
  rapidjson::ParseResult result;
  std::string limitError;
  std::string errorPath;
  std::vector<bool> scalarIsNumber;

  bool operator()(rapidjson::Document& doc) {
    LimitingHandler handler(doc, limits);
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(ms, handler);
    limitError = handler.limitError();
    if (result.IsError()) errorPath = handler.path();
    scalarIsNumber = std::move(handler.scalarIsNumber());
    return !result.IsError();
  }
};

// Visits the scalars of v in document order (the order the reader produced them), without
// recursion, calling f(scalar).
template <typename F>
void forEachScalarInOrder(const rapidjson::Value& root, F&& f) {
  std::vector<const rapidjson::Value*> stack{&root};
  while (!stack.empty()) {
    const rapidjson::Value* v = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      for (auto it = v->MemberEnd(); it != v->MemberBegin();) stack.push_back(&(--it)->value);
    } else if (v->IsArray()) {
      for (auto it = v->End(); it != v->Begin();) stack.push_back(--it);
    } else {
      f(*v);
    }
  }
}

using NumberSet = std::unordered_set<const rapidjson::Value*>;

void writeCanonical(const rapidjson::Value& v, const NumberSet* numbers,
                    rapidjson::Writer<rapidjson::StringBuffer>& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      writeCanonical(m->value, numbers, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) writeCanonical(e, numbers, w);
    w.EndArray();
  } else if (numbers != nullptr && numbers->count(&v) != 0) {
    w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
  } else {
    v.Accept(w);
  }
}

}  // namespace

JsonDocument::JsonDocument() : doc_(std::make_unique<rapidjson::Document>()) {}

Result<JsonDocument> parseJson(std::string_view text, const JsonLimits& limits, JsonError* where) {
  JsonDocument parsed;
  rapidjson::Document& doc = *parsed.doc_;
  Generator gen{text, limits, {}, {}, {}, {}};
  doc.Populate(gen);
  if (gen.result.IsError()) {
    if (where != nullptr) *where = JsonError{gen.result.Offset(), gen.errorPath};
    std::string message = gen.limitError.empty()
                              ? std::string(rapidjson::GetParseError_En(gen.result.Code()))
                              : gen.limitError;
    return invalidArgument("invalid JSON at byte " + std::to_string(gen.result.Offset()) + ": " +
                           message);
  }
  std::size_t index = 0;
  forEachScalarInOrder(doc, [&](const rapidjson::Value& v) {
    if (index < gen.scalarIsNumber.size() && gen.scalarIsNumber[index]) parsed.numbers_.insert(&v);
    ++index;
  });
  return parsed;
}

std::string toJsonString(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string canonicalJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writeCanonical(value, nullptr, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string canonicalJson(const JsonDocument& doc) { return canonicalJson(doc, doc.root()); }

std::string canonicalJson(const JsonDocument& doc, const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writeCanonical(value, &doc.numbers_, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace fhirgw::common
