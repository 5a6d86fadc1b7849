// ext-1 on Extension.

#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {

void checkExtension(const rapidjson::Value& ext, Walker& walker) {
  bool hasValue = false;
  for (auto m = ext.MemberBegin(); m != ext.MemberEnd(); ++m) {
    const std::string_view key = str(m->name);
    if (key.size() > 5 && (key.starts_with("value") || key.starts_with("_value"))) hasValue = true;
  }
  if (hasValue == (member(ext, "extension") != nullptr)) {
    walker.invariant("ext-1", walker.where(), "Must have either extensions or value[x], not both");
  }
}

}  // namespace fhirgw::fhir::validation
