// qty-3 on the coded quantities (Age, Count, Distance, Duration).

#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {

void checkCodedQuantity(const rapidjson::Value& quantity, Walker& walker) {
  if (member(quantity, "code") != nullptr && member(quantity, "system") == nullptr) {
    walker.invariant("qty-3", walker.where(),
                     "If a code for the unit is present, the system SHALL also be present");
  }
}

}  // namespace fhirgw::fhir::validation
