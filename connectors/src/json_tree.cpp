#include "json_tree.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace fhirgw::connectors::detail {

Json Json::string(std::string text) {
  Json j;
  j.kind_ = Kind::kString;
  j.text_ = std::move(text);
  return j;
}

Json Json::number(std::string text) {
  Json j;
  j.kind_ = Kind::kNumber;
  j.text_ = std::move(text);
  return j;
}

Json Json::boolean(bool value) {
  Json j;
  j.kind_ = Kind::kBool;
  j.bool_ = value;
  return j;
}

Json Json::array() {
  Json j;
  j.kind_ = Kind::kArray;
  return j;
}

Json Json::object() {
  Json j;
  j.kind_ = Kind::kObject;
  return j;
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

Json& Json::set(std::string key, Json value) {
  if (kind_ == Kind::kNull) kind_ = Kind::kObject;
  for (JsonMember& m : members_) {
    if (m.key == key) {
      m.value = std::move(value);
      return m.value;
    }
  }
  members_.push_back({std::move(key), std::move(value)});
  return members_.back().value;
}

bool Json::erase(std::string_view key) {
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const JsonMember& m) { return m.key == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

Json& Json::push(Json value) {
  if (kind_ == Kind::kNull) kind_ = Kind::kArray;
  items_.push_back(std::move(value));
  return items_.back();
}

Json jsonFromValue(const common::JsonDocument& doc, const rapidjson::Value& v) {
  if (v.IsObject()) {
    Json out = Json::object();
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      out.members().push_back({std::string(it->name.GetString(), it->name.GetStringLength()),
                               jsonFromValue(doc, it->value)});
    }
    return out;
  }
  if (v.IsArray()) {
    Json out = Json::array();
    for (const auto& e : v.GetArray()) out.items().push_back(jsonFromValue(doc, e));
    return out;
  }
  if (v.IsString()) {
    std::string text(v.GetString(), v.GetStringLength());
    return doc.isNumber(v) ? Json::number(std::move(text)) : Json::string(std::move(text));
  }
  if (v.IsBool()) return Json::boolean(v.GetBool());
  if (v.IsNumber()) {
    // Not produced by common::parseJson (numbers stay text); kept for values built in code.
    return Json::number(common::toJsonString(v));
  }
  return {};
}

common::Result<Json> parseJsonTree(std::string_view text) {
  auto doc = common::parseJson(text);
  if (!doc) return doc.error();
  return jsonFromValue(*doc, doc->root());
}

namespace {

void write(const Json& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  const auto size = [](const std::string& s) { return static_cast<rapidjson::SizeType>(s.size()); };
  switch (v.kind()) {
    case Json::Kind::kNull:
      w.Null();
      break;
    case Json::Kind::kBool:
      w.Bool(v.boolValue());
      break;
    case Json::Kind::kNumber:
      w.RawValue(v.text().data(), v.text().size(), rapidjson::kNumberType);
      break;
    case Json::Kind::kString:
      w.String(v.text().data(), size(v.text()));
      break;
    case Json::Kind::kArray:
      w.StartArray();
      for (const Json& e : v.items()) write(e, w);
      w.EndArray();
      break;
    case Json::Kind::kObject:
      w.StartObject();
      for (const JsonMember& m : v.members()) {
        w.Key(m.key.data(), size(m.key));
        write(m.value, w);
      }
      w.EndObject();
      break;
  }
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

std::string serialize(const Json& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(value, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void forEachObject(Json& root, const std::function<void(Json&)>& fn) { visitObjects(root, fn); }

void forEachObject(const Json& root, const std::function<void(const Json&)>& fn) {
  visitObjects(root, fn);
}

}  // namespace fhirgw::connectors::detail
