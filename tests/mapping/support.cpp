#include "support.hpp"

namespace fhirgw::mapping::testing {

std::vector<std::string> references(const rapidjson::Value& v) {
  std::vector<std::string> out;
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      if (std::string_view(m->name.GetString()) == "reference" && m->value.IsString()) {
        out.emplace_back(m->value.GetString());
      } else {
        auto inner = references(m->value);
        out.insert(out.end(), inner.begin(), inner.end());
      }
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      auto inner = references(e);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  }
  return out;
}

const MappedResource* findResource(const MappedRecord& r, std::string_view type, int nth) {
  for (const MappedResource& m : r.resources) {
    if (m.resourceType == type && nth-- == 0) return &m;
  }
  return nullptr;
}

common::JsonDocument parsed(const MappedResource& r) { return testsupport::json(r.json); }

}  // namespace fhirgw::mapping::testing
