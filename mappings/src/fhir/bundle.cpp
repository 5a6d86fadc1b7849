// Bundle (type collection) of mapped resources, for GET .../fhir and $validate dry runs.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_map>

#include "fhirgw/common/json.hpp"
#include "fhirgw/mappings/fhir_mapper.hpp"

namespace fhirgw::mappings {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Rewrites = std::unordered_map<std::string, std::string>;

void writeString(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Writes a parsed value keeping its numbers as written, replacing reference strings ("reference"
// and Attachment "url" values) that name an entry of the bundle by that entry's fullUrl.
void writeValue(Writer& w, const common::JsonDocument& doc, const rapidjson::Value& v,
                const Rewrites& rewrites, bool referenceSlot) {
  if (v.IsString()) {
    const std::string_view text(v.GetString(), v.GetStringLength());
    if (doc.isNumber(v)) {
      w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      return;
    }
    if (referenceSlot) {
      if (const auto it = rewrites.find(std::string(text)); it != rewrites.end()) {
        writeString(w, it->second);
        return;
      }
    }
    writeString(w, text);
  } else if (v.IsObject()) {
    w.StartObject();
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view key(m->name.GetString(), m->name.GetStringLength());
      writeString(w, key);
      writeValue(w, doc, m->value, rewrites, key == "reference" || key == "url");
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) writeValue(w, doc, e, rewrites, false);
    w.EndArray();
  } else if (v.IsBool()) {
    w.Bool(v.GetBool());
  } else {
    w.Null();
  }
}

bool looksLikeObject(std::string_view json) {
  const auto first = json.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && json[first] == '{';
}

}  // namespace

common::Result<std::string> makeBundle(std::span<const MappedResource> resources,
                                       const BundleOptions& options) {
  const bool urnMode = options.fullUrlBase.empty();
  std::string base = options.fullUrlBase;
  while (!base.empty() && base.back() == '/') base.pop_back();
  Rewrites rewrites;
  if (urnMode) {
    for (const MappedResource& r : resources) rewrites[r.reference()] = "urn:uuid:" + r.id;
  }

  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  writeString(w, "resourceType");
  writeString(w, "Bundle");
  if (!options.id.empty()) {
    writeString(w, "id");
    writeString(w, options.id);
  }
  writeString(w, "type");
  writeString(w, "collection");
  if (options.timestamp) {
    writeString(w, "timestamp");
    writeString(w, common::formatInstantUtc(*options.timestamp));
  }
  if (!resources.empty()) {
    writeString(w, "entry");
    w.StartArray();
    for (const MappedResource& r : resources) {
      if (!looksLikeObject(r.json)) {
        return common::invalidArgument(r.reference() + " is not a JSON object");
      }
      w.StartObject();
      writeString(w, "fullUrl");
      writeString(w, urnMode ? "urn:uuid:" + r.id : base + "/" + r.reference());
      writeString(w, "resource");
      if (urnMode) {
        auto parsed = common::parseJson(r.json);
        if (!parsed) return common::invalidArgument(r.reference() + " is not valid JSON");
        writeValue(w, *parsed, parsed->root(), rewrites, false);
      } else {
        // Relative references resolve against the fullUrl base: the stored JSON goes in as is.
        w.RawValue(r.json.data(), r.json.size(), rapidjson::kObjectType);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace fhirgw::mappings
