#include "fhirgw/testsupport/json_text.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace fhirgw::testsupport {
namespace {

// Builds a JsonValue from RapidJSON's SAX events; numbers arrive as text (RawNumber) because
// the reader runs with kParseNumbersAsStringsFlag.
class Builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Builder> {
 public:
  bool Null() { return put(JsonValue{}); }
  bool Bool(bool b) {
    JsonValue v;
    v.kind = b ? JsonValue::Kind::kTrue : JsonValue::Kind::kFalse;
    return put(std::move(v));
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return put(JsonValue::number(std::string(s, n)));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return put(JsonValue::string(std::string(s, n)));
  }
  bool StartObject() { return open(JsonValue::Kind::kObject); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    keys_.emplace_back(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(JsonValue::Kind::kArray); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  JsonValue take() { return std::move(root_); }

 private:
  bool open(JsonValue::Kind kind) {
    JsonValue v;
    v.kind = kind;
    stack_.push_back(std::move(v));
    return true;
  }
  bool close() {
    JsonValue done = std::move(stack_.back());
    stack_.pop_back();
    return put(std::move(done));
  }
  bool put(JsonValue v) {
    if (stack_.empty()) {
      root_ = std::move(v);
    } else if (stack_.back().kind == JsonValue::Kind::kObject) {
      stack_.back().members.push_back({std::move(keys_.back()), std::move(v)});
      keys_.pop_back();
    } else {
      stack_.back().items.push_back(std::move(v));
    }
    return true;
  }

  std::vector<JsonValue> stack_;
  std::vector<std::string> keys_;
  JsonValue root_;
};

std::vector<const JsonMember*> members(const JsonValue& v, bool sorted) {
  std::vector<const JsonMember*> out;
  for (const auto& m : v.members) out.push_back(&m);
  if (sorted) {
    std::stable_sort(out.begin(), out.end(),
                     [](const auto* a, const auto* b) { return a->name < b->name; });
  }
  return out;
}

template <typename Writer>
void write(const JsonValue& v, Writer& w, bool sortKeys) {
  using Kind = JsonValue::Kind;
  switch (v.kind) {
    case Kind::kNull:
      w.Null();
      return;
    case Kind::kFalse:
      w.Bool(false);
      return;
    case Kind::kTrue:
      w.Bool(true);
      return;
    case Kind::kNumber:
      w.RawValue(v.text.data(), v.text.size(), rapidjson::kNumberType);
      return;
    case Kind::kString:
      w.String(v.text.data(), static_cast<rapidjson::SizeType>(v.text.size()));
      return;
    case Kind::kArray:
      w.StartArray();
      for (const JsonValue& item : v.items) write(item, w, sortKeys);
      w.EndArray();
      return;
    case Kind::kObject:
      w.StartObject();
      for (const auto* m : members(v, sortKeys)) {
        w.Key(m->name.data(), static_cast<rapidjson::SizeType>(m->name.size()));
        write(m->value, w, sortKeys);
      }
      w.EndObject();
      return;
  }
}

}  // namespace

JsonValue JsonValue::string(std::string s) {
  JsonValue v;
  v.kind = Kind::kString;
  v.text = std::move(s);
  return v;
}

JsonValue JsonValue::number(std::string text) {
  JsonValue v;
  v.kind = Kind::kNumber;
  v.text = std::move(text);
  return v;
}

JsonValue JsonValue::object() {
  JsonValue v;
  v.kind = Kind::kObject;
  return v;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

JsonValue* JsonValue::find(std::string_view key) {
  for (auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

void JsonValue::add(std::string key, JsonValue value) {
  members.push_back({std::move(key), std::move(value)});
}

std::optional<JsonValue> parseJsonText(std::string_view text, std::string* error) {
  Builder builder;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(text.data(), text.size());
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(stream, builder);
  if (!ok) {
    if (error != nullptr) {
      *error = std::string(rapidjson::GetParseError_En(ok.Code())) + " at offset " +
               std::to_string(ok.Offset());
    }
    return std::nullopt;
  }
  return builder.take();
}

std::string compactJsonText(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(value, writer, false);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string canonicalJsonText(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(value, writer, true);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string prettyJsonText(const JsonValue& value, MemberOrder order) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  write(value, writer, order == MemberOrder::kSorted);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void forEachString(JsonValue& value, const std::function<void(std::string&)>& f) {
  switch (value.kind) {
    case JsonValue::Kind::kString:
      f(value.text);
      return;
    case JsonValue::Kind::kArray:
      for (JsonValue& item : value.items) forEachString(item, f);
      return;
    case JsonValue::Kind::kObject: {
      std::vector<JsonMember*> members;
      for (auto& m : value.members) members.push_back(&m);
      std::stable_sort(members.begin(), members.end(),
                       [](const auto* a, const auto* b) { return a->name < b->name; });
      for (auto* m : members) forEachString(m->value, f);
      return;
    }
    default:
      return;
  }
}

}  // namespace fhirgw::testsupport
