#include "support.hpp"

namespace fhirgw::mapping::testing {
namespace {

void writePretty(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w,
                 const common::JsonDocument& doc, const rapidjson::Value& v) {
  if (v.IsString()) {
    if (doc.isNumber(v)) {
      w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
    } else {
      w.String(v.GetString(), v.GetStringLength());
    }
  } else if (v.IsObject()) {
    w.StartObject();
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      writePretty(w, doc, m->value);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) writePretty(w, doc, e);
    w.EndArray();
  } else if (v.IsBool()) {
    w.Bool(v.GetBool());
  } else {
    w.Null();
  }
}

void blank(rapidjson::Value& obj, const char* key, rapidjson::Document::AllocatorType& alloc) {
  if (obj.IsObject() && obj.HasMember(key)) obj[key].SetString("<generated>", alloc);
}

}  // namespace

std::string prettyJson(const common::JsonDocument& doc) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  writePretty(w, doc, doc.root());
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void blankGeneratedTimestamps(common::JsonDocument& doc) {
  rapidjson::Document& d = doc.document();
  auto& alloc = d.GetAllocator();
  blank(d, "timestamp", alloc);
  if (!d.HasMember("entry")) return;
  for (auto& e : d["entry"].GetArray()) {
    if (!e.HasMember("resource")) continue;
    rapidjson::Value& r = e["resource"];
    const std::string type = r["resourceType"].GetString();
    if (type == "Provenance" || type == "AuditEvent") blank(r, "recorded", alloc);
    if (type == "ChargeItem") blank(r, "enteredDate", alloc);
    if (type == "DocumentReference") blank(r, "date", alloc);
  }
}

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

common::JsonDocument parsed(const MappedResource& r) { return json(r.json); }

}  // namespace fhirgw::mapping::testing
