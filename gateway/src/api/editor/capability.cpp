// GET /fhir/metadata: the CapabilityStatement of the gateway's FHIR side.
#include <rapidjson/document.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"

namespace fhirgw::gateway {

using rapidjson::Value;

void EditorApi::fhirMetadata(Exchange& ex) {
  rapidjson::Document cs(rapidjson::kObjectType);
  JsonAllocator& a = cs.GetAllocator();
  cs.AddMember("resourceType", "CapabilityStatement", a);
  cs.AddMember("status", "active", a);
  cs.AddMember("date", jsonString(common::formatInstantUtc(d_.clock.now()).substr(0, 10), a), a);
  cs.AddMember("publisher", "fhir-gateway", a);
  cs.AddMember("kind", "instance", a);
  Value software(rapidjson::kObjectType);
  software.AddMember("name", "fhir-gateway", a);
  software.AddMember("version", FHIRGW_VERSION, a);
  cs.AddMember("software", software, a);
  Value implementation(rapidjson::kObjectType);
  implementation.AddMember(
      "description",
      "Teleconsultation FHIR gateway: records posted through the editor API are served as "
      "collection Bundles at /api/v1/teleconsultations/{id}/fhir",
      a);
  cs.AddMember("implementation", implementation, a);
  cs.AddMember("fhirVersion", "4.0.1", a);
  Value formats(rapidjson::kArrayType);
  formats.PushBack("json", a);
  cs.AddMember("format", formats, a);
  Value rest(rapidjson::kObjectType);
  rest.AddMember("mode", "server", a);
  rest.AddMember("documentation",
                 "Resources are produced from editor records and validated against base R4 and "
                 "the FR Core profiles they claim; they are not individually readable.",
                 a);
  // One entry per type, in the order first produced; a type produced under several profiles
  // lists them as supported. Grouped before any JSON is written, so no member is looked up.
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> byType;
  for (const auto& type : mapping::producedTypes()) {
    auto it = std::find_if(byType.begin(), byType.end(),
                           [&type](const auto& e) { return e.first == type.resourceType; });
    if (it == byType.end()) it = byType.insert(byType.end(), {type.resourceType, {}});
    if (!type.profile.empty()) it->second.push_back(type.profile);
  }
  Value resources(rapidjson::kArrayType);
  for (const auto& [resourceType, profiles] : byType) {
    Value v(rapidjson::kObjectType);
    v.AddMember("type", jsonString(resourceType, a), a);
    if (!profiles.empty()) {
      Value supported(rapidjson::kArrayType);
      for (std::string_view profile : profiles) supported.PushBack(jsonString(profile, a), a);
      v.AddMember("supportedProfile", supported, a);
    }
    resources.PushBack(v, a);
  }
  rest.AddMember("resource", resources, a);
  Value operations(rapidjson::kArrayType);
  Value validateOp(rapidjson::kObjectType);
  validateOp.AddMember("name", "validate", a);
  validateOp.AddMember("definition", "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                       a);
  operations.PushBack(validateOp, a);
  rest.AddMember("operation", operations, a);
  Value rests(rapidjson::kArrayType);
  rests.PushBack(rest, a);
  cs.AddMember("rest", rests, a);
  ex.sendJson(200, cs, kFhirJson);
}

}  // namespace fhirgw::gateway
