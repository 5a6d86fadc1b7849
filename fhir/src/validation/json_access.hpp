#pragma once

// Reading rapidjson values the way the validator needs: by linear scan (FHIR objects are small,
// and a duplicate name must be seen as such, not hidden by a map) and with views, never copies.

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace fhirgw::fhir::validation {

/// The text of a string value.
inline std::string_view str(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// The first member of obj named name, or null.
inline const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name) {
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
    if (str(m->name) == name) return &m->value;
  }
  return nullptr;
}

/// member() when it is a string, else null.
inline const rapidjson::Value* stringMember(const rapidjson::Value& obj, std::string_view name) {
  const rapidjson::Value* v = member(obj, name);
  return v != nullptr && v->IsString() ? v : nullptr;
}

/// The "_name" partner of a primitive property, without building the key.
inline const rapidjson::Value* underscoreMember(const rapidjson::Value& obj,
                                                std::string_view name) {
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
    const std::string_view key = str(m->name);
    if (key.size() == name.size() + 1 && key.front() == '_' && key.substr(1) == name) {
      return &m->value;
    }
  }
  return nullptr;
}

/// s for a diagnostic, cut at 64 characters: codes are short, and long content is never echoed.
inline std::string clip(std::string_view s) {
  constexpr std::size_t kMax = 64;
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

}  // namespace fhirgw::fhir::validation
