#include "fhirgw/common/json_tree.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <unordered_set>

#include "json_reader.hpp"

namespace fhirgw::common {
namespace {

constexpr std::size_t kFirstMembers = 4;
constexpr std::size_t kFirstBuffer = 1024;

}  // namespace

Json Json::string(std::string text) { return Json(std::move(text)); }

Json Json::number(std::string text) {
  Json j;
  j.kind_ = Kind::kNumber;
  j.text_ = std::move(text);
  return j;
}

Json Json::integer(std::int64_t value) { return number(std::to_string(value)); }

Json Json::boolean(bool value) { return Json(value); }

Json Json::object() {
  Json j;
  j.kind_ = Kind::kObject;
  return j;
}

Json Json::array() {
  Json j;
  j.kind_ = Kind::kArray;
  return j;
}

Json Json::raw(std::string json) {
  Json j;
  j.kind_ = Kind::kRaw;
  j.text_ = std::move(json);
  return j;
}

bool Json::isEmpty() const {
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kString:
      return text_.empty();
    case Kind::kArray:
      return items_.empty();
    case Kind::kObject:
      return members_.empty();
    default:
      return false;
  }
}

const Json* Json::find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const JsonMember& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

std::string Json::stringAt(std::string_view key) const {
  const Json* v = find(key);
  return v != nullptr && v->isString() ? v->text() : std::string();
}

Json& Json::set(std::string_view key, Json value) & {
  if (kind_ == Kind::kNull) kind_ = Kind::kObject;
  if (Json* existing = find(key)) {
    *existing = std::move(value);
  } else {
    // Objects built in code mostly get two to six members: room for four from the first one
    // spares the moves of growing one by one (1, 2, 4).
    if (members_.empty()) members_.reserve(kFirstMembers);
    members_.emplace_back(key, std::move(value));
  }
  return *this;
}

Json& Json::setIfPresent(std::string_view key, Json value) & {
  if (!value.isEmpty()) set(key, std::move(value));
  return *this;
}

bool Json::erase(std::string_view key) {
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const JsonMember& m) { return m.key == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

Json& Json::push(Json value) & {
  if (kind_ == Kind::kNull) kind_ = Kind::kArray;
  items_.push_back(std::move(value));
  return *this;
}

Json& Json::pushIfPresent(Json value) & {
  if (!value.isEmpty()) push(std::move(value));
  return *this;
}

namespace {

rapidjson::SizeType sizeOf(const std::string& s) {
  return static_cast<rapidjson::SizeType>(s.size());
}

// The escape of each byte in a JSON string, as RapidJSON's Writer writes it (0: written as is):
// '"', '\\' and the control characters, those without a short form as \u00XX (upper-case hex).
// Bytes from 0x80 pass through, as the Writer does without kWriteValidateEncodingFlag.
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> e{};
  for (std::size_t c = 0; c < 0x20; ++c) e[c] = 'u';
  e['\b'] = 'b';
  e['\t'] = 't';
  e['\n'] = 'n';
  e['\f'] = 'f';
  e['\r'] = 'r';
  e['"'] = '"';
  e['\\'] = '\\';
  return e;
}();

// The first byte from p that needs an escape, or end. Eight bytes at a time: nearly no text has
// one, and a base64 PDF is tens of kilobytes. (x - n*ones) & ~x & highs is non-zero exactly when
// a byte of x is below n; x ^ (c*ones) has a zero byte where x has c.
const char* firstToEscape(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto below = [](std::uint64_t x, std::uint64_t n) { return (x - kOnes * n) & ~x & kHighs; };
  while (end - p >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    if ((below(word, 0x20) | below(word ^ (kOnes * '"'), 1) | below(word ^ (kOnes * '\\'), 1)) !=
        0) {
      break;
    }
    p += 8;
  }
  while (p != end && kEscapes[static_cast<unsigned char>(*p)] == 0) ++p;
  return p;
}

// The text being written: a string filled through a cursor, grown by doubling. Appending to a
// std::string instead costs a capacity check and a call per byte of punctuation.
class Output {
 public:
  explicit Output(std::size_t capacity) : buf_(capacity, '\0') {}

  /// A cursor with room for n bytes; commit() the cursor once they are written.
  char* reserve(std::size_t n) {
    if (buf_.size() - used_ < n) grow(n);
    return buf_.data() + used_;
  }
  void commit(const char* cursor) { used_ = static_cast<std::size_t>(cursor - buf_.data()); }
  void put(char c) {
    *reserve(1) = c;
    ++used_;
  }
  void put(std::string_view s) {
    std::memcpy(reserve(s.size()), s.data(), s.size());
    used_ += s.size();
  }
  std::string take() && {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  // Out of the way of reserve()'s test, which is then small enough to inline everywhere.
  void grow(std::size_t n) { buf_.resize(std::max(buf_.size() * 2, used_ + n)); }

  std::string buf_;
  std::size_t used_ = 0;
};

// A JSON string, byte for byte as RapidJSON's Writer writes it.
void writeString(std::string_view s, Output& out) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  const char* p = s.data();
  const char* const end = p + s.size();
  char* at = out.reserve(s.size() + 2);
  *at++ = '"';
  while (true) {
    const char* const run = p;
    p = firstToEscape(p, end);
    const auto n = static_cast<std::size_t>(p - run);
    std::memcpy(at, run, n);
    at += n;
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    const char escape = kEscapes[c];
    // Room for the escape (up to six bytes where one was planned), the rest and the quote.
    out.commit(at);
    at = out.reserve(static_cast<std::size_t>(end - p) + 7);
    *at++ = '\\';
    *at++ = escape;
    if (escape == 'u') {
      *at++ = '0';
      *at++ = '0';
      *at++ = kHex[c >> 4U];
      *at++ = kHex[c & 0xFU];
    }
  }
  *at++ = '"';
  out.commit(at);
}

// Compact JSON, as RapidJSON's Writer writes it (no spaces; numbers and raw values verbatim),
// through one cursor: the Writer reserved six bytes per byte of each string and put them one at
// a time. Recursion is bounded by the depth limit of the parse, or by the code that built the
// tree.
void write(const Json& v, Output& out, bool sorted) {
  switch (v.kind()) {
    case JsonKind::kNull:
      out.put("null");
      break;
    case JsonKind::kBool:
      out.put(v.boolValue() ? std::string_view("true") : std::string_view("false"));
      break;
    case JsonKind::kNumber:
    case JsonKind::kRaw:
      out.put(v.text());
      break;
    case JsonKind::kString:
      writeString(v.text(), out);
      break;
    case JsonKind::kArray: {
      out.put('[');
      bool first = true;
      for (const Json& e : v.items()) {
        if (!first) out.put(',');
        first = false;
        write(e, out, sorted);
      }
      out.put(']');
      break;
    }
    case JsonKind::kObject: {
      out.put('{');
      const auto member = [&](const JsonMember& m, bool first) {
        if (!first) out.put(',');
        writeString(m.key, out);
        out.put(':');
        write(m.value, out, sorted);
      };
      if (sorted) {
        std::vector<const JsonMember*> members;
        members.reserve(v.members().size());
        for (const JsonMember& m : v.members()) members.push_back(&m);
        std::stable_sort(members.begin(), members.end(),
                         [](const JsonMember* a, const JsonMember* b) { return a->key < b->key; });
        for (std::size_t i = 0; i < members.size(); ++i) member(*members[i], i == 0);
      } else {
        for (std::size_t i = 0; i < v.members().size(); ++i) member(v.members()[i], i == 0);
      }
      out.put('}');
      break;
    }
  }
}

std::string written(const Json& v, bool sorted) {
  // A mapped resource is a few hundred bytes to a few kilobytes.
  Output out(kFirstBuffer);
  write(v, out, sorted);
  return std::move(out).take();
}

template <typename J, typename Fn>
void visitObjects(J& v, const Fn& fn) {
  if (v.isObject()) {
    fn(v);
    for (auto& m : v.members()) visitObjects(m.value, fn);
  } else if (v.isArray()) {
    for (auto& e : v.items()) visitObjects(e, fn);
  }
}

}  // namespace

/// SAX target of the shared reader that builds the tree. Values wait on a stack, as in a
/// RapidJSON document, until their container ends: each container is then allocated once at its
/// final size, and each value is built in place.
class Json::Builder {
 public:
  // NOLINTBEGIN(readability-identifier-naming): RapidJSON's Handler concept names these
  bool Null() {
    put(Kind::kNull);
    return true;
  }
  bool Bool(bool b) {
    put(Kind::kBool).bool_ = b;
    return true;
  }
  // With kParseNumbersAsStringsFlag the reader reports numbers through RawNumber only.
  bool Int(int i) { return number(std::to_string(i)); }
  bool Uint(unsigned u) { return number(std::to_string(u)); }
  bool Int64(int64_t i) { return number(std::to_string(i)); }
  bool Uint64(uint64_t u) { return number(std::to_string(u)); }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    put(Kind::kNumber).text_.assign(s, n);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    put(Kind::kString).text_.assign(s, n);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_.assign(s, n);
    return true;
  }
  bool StartObject() {
    put(Kind::kObject);
    return true;
  }
  bool EndObject(rapidjson::SizeType n) {
    const auto first = stack_.end() - static_cast<std::ptrdiff_t>(n);
    std::vector<JsonMember>& members = (first - 1)->value.members_;
    members.reserve(n);
    std::move(first, stack_.end(), std::back_inserter(members));
    stack_.erase(first, stack_.end());
    return true;
  }
  bool StartArray() {
    put(Kind::kArray);
    return true;
  }
  bool EndArray(rapidjson::SizeType n) {
    const auto first = stack_.end() - static_cast<std::ptrdiff_t>(n);
    std::vector<Json>& items = (first - 1)->value.items_;
    items.reserve(n);
    for (auto it = first; it != stack_.end(); ++it) items.push_back(std::move(it->value));
    stack_.erase(first, stack_.end());
    return true;
  }
  // NOLINTEND(readability-identifier-naming)

  /// The parsed value, once the reader succeeded.
  Json root() { return std::move(stack_.front().value); }

 private:
  Json& put(Kind kind) {
    JsonMember& m = stack_.emplace_back();
    m.key.swap(key_);
    m.value.kind_ = kind;
    return m.value;
  }
  bool number(std::string text) {
    put(Kind::kNumber).text_ = std::move(text);
    return true;
  }

  std::vector<JsonMember> stack_;  // values of the open containers, each after its container
  std::string key_;                // the member name read last (objects)
};

Result<Json> Json::parse(std::string_view text, const JsonLimits& limits, JsonError* where) {
  Builder builder;
  if (Status s = detail::readJson(text, limits, builder, nullptr, where); !s.isOk()) return s;
  return builder.root();
}

Json Json::fromDocument(const JsonDocument& doc, const rapidjson::Value& v) {
  if (v.IsObject()) {
    Json out = Json::object();
    out.members_.reserve(v.MemberCount());
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      out.members_.emplace_back(std::string_view(it->name.GetString(), it->name.GetStringLength()),
                                fromDocument(doc, it->value));
    }
    return out;
  }
  if (v.IsArray()) {
    Json out = Json::array();
    out.items_.reserve(v.Size());
    for (const auto& e : v.GetArray()) out.items_.push_back(fromDocument(doc, e));
    return out;
  }
  if (v.IsString()) {
    std::string text(v.GetString(), v.GetStringLength());
    return doc.isNumber(v) ? Json::number(std::move(text)) : Json::string(std::move(text));
  }
  if (v.IsBool()) return Json::boolean(v.GetBool());
  // Not produced by parseJson (numbers stay text); kept for values built in code.
  if (v.IsNumber()) return Json::number(toJsonString(v));
  return {};
}

Json Json::fromValue(const rapidjson::Value& v) {
  if (v.IsObject()) {
    Json out = Json::object();
    out.members_.reserve(v.MemberCount());
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      out.members_.emplace_back(std::string_view(it->name.GetString(), it->name.GetStringLength()),
                                fromValue(it->value));
    }
    return out;
  }
  if (v.IsArray()) {
    Json out = Json::array();
    out.items_.reserve(v.Size());
    for (const auto& e : v.GetArray()) out.items_.push_back(fromValue(e));
    return out;
  }
  if (v.IsString()) return Json::string(std::string(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return Json::boolean(v.GetBool());
  if (v.IsNumber()) return Json::number(toJsonString(v));
  return {};
}

// Builds a document from a tree in two passes. The first hands the tree to the document as the
// events of a SAX parse (GenericDocument::Populate), so each object and array is allocated once at
// its size, as parseJson's documents are; numbers go in as strings, raw values as null. Once no
// value moves any more, the second walks the tree and the document side by side: it records the
// addresses of the numbers and puts each raw value's parse in its place (only when the first met
// any). Strings and keys are not copied: the document's point into the tree.
class Json::DocumentFiller {
 public:
  explicit DocumentFiller(const Json& root) : root_(root) {}

  // The generator Populate calls.
  bool operator()(rapidjson::Document& d) { return feed(root_, d); }

  /// Whether the tree holds numbers or raw values, for mark(); known once Populate has run.
  bool needsMarks() const { return needsMarks_; }

  static Status mark(const Json& v, rapidjson::Value& out, JsonDocument& doc) {
    switch (v.kind_) {
      case Kind::kNumber:
        doc.numbers_.insert(&out);
        return {};
      case Kind::kRaw: {
        Result<JsonDocument> parsed = parseJson(v.text_);
        if (!parsed) return invalidArgument("a raw JSON value: " + parsed.error().message());
        out.CopyFrom(parsed->root(), doc.doc_->GetAllocator());
        markParsed(*parsed, parsed->root(), out, doc);
        return {};
      }
      case Kind::kArray:
        for (std::size_t i = 0; i < v.items_.size(); ++i) {
          const auto index = static_cast<rapidjson::SizeType>(i);
          if (Status s = mark(v.items_[i], out[index], doc); !s.isOk()) return s;
        }
        return {};
      case Kind::kObject: {
        auto member = out.MemberBegin();
        for (const JsonMember& m : v.members_) {
          if (Status s = mark(m.value, (member++)->value, doc); !s.isOk()) return s;
        }
        return {};
      }
      default:
        return {};
    }
  }

 private:
  bool feed(const Json& v, rapidjson::Document& d) {
    switch (v.kind_) {
      case Kind::kBool:
        return d.Bool(v.bool_);
      case Kind::kNumber:
        needsMarks_ = true;
        return d.String(v.text_.data(), sizeOf(v.text_), false);
      case Kind::kString:
        return d.String(v.text_.data(), sizeOf(v.text_), false);
      case Kind::kArray:
        d.StartArray();
        for (const Json& e : v.items_) feed(e, d);
        return d.EndArray(static_cast<rapidjson::SizeType>(v.items_.size()));
      case Kind::kObject:
        d.StartObject();
        for (const JsonMember& m : v.members_) {
          d.Key(m.key.data(), sizeOf(m.key), false);
          feed(m.value, d);
        }
        return d.EndObject(static_cast<rapidjson::SizeType>(v.members_.size()));
      case Kind::kRaw:  // null until mark() puts its parse in place
        needsMarks_ = true;
        return d.Null();
      default:
        return d.Null();
    }
  }

  // The numbers of a raw value's parse, copied to out.
  static void markParsed(const JsonDocument& from, const rapidjson::Value& v, rapidjson::Value& out,
                         JsonDocument& doc) {
    if (v.IsObject()) {
      auto member = out.MemberBegin();
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        markParsed(from, it->value, (member++)->value, doc);
      }
    } else if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) markParsed(from, v[i], out[i], doc);
    } else if (from.isNumber(v)) {
      doc.numbers_.insert(&out);
    }
  }

  const Json& root_;
  bool needsMarks_ = false;
};

Result<JsonDocument> Json::toDocument() const {
  JsonDocument doc;
  DocumentFiller filler(*this);
  doc.doc_->Populate(filler);
  if (!filler.needsMarks()) return doc;
  if (Status s = DocumentFiller::mark(*this, *doc.doc_, doc); !s.isOk()) return s;
  return doc;
}

std::string Json::serialize() const { return written(*this, false); }

std::string Json::canonical() const { return written(*this, true); }

void forEachObject(Json& root, const std::function<void(Json&)>& fn) { visitObjects(root, fn); }

void forEachObject(const Json& root, const std::function<void(const Json&)>& fn) {
  visitObjects(root, fn);
}

}  // namespace fhirgw::common
