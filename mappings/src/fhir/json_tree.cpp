#include "json_tree.hpp"

namespace fhirgw::mappings::fhirmap {

Json Json::number(std::string text) {
  Json j;
  j.kind_ = Kind::kNumber;
  j.text_ = std::move(text);
  return j;
}

Json Json::integer(std::int64_t value) { return number(std::to_string(value)); }

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

bool Json::isEmpty() const {
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kString:
      return text_.empty();
    case Kind::kArray:
    case Kind::kObject:
      return values_.empty();
    default:
      return false;
  }
}

Json& Json::set(std::string_view key, Json value) & {
  if (!value.isEmpty()) {
    keys_.emplace_back(key);
    values_.push_back(std::move(value));
  }
  return *this;
}

Json& Json::push(Json value) & {
  if (!value.isEmpty()) values_.push_back(std::move(value));
  return *this;
}

Json* Json::find(std::string_view key) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &values_[i];
  }
  return nullptr;
}

std::string Json::str() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace fhirgw::mappings::fhirmap
