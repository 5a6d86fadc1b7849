#include "fhirgw/mappings/teleconsultation.hpp"

namespace fhirgw::mappings {

bool Teleconsultation::practitionerIsTreatingPhysician() const {
  return practitioner.relationToPatient == Relation::kTreatingPhysician;
}

bool Teleconsultation::noTreatingPhysicianDeclared() const {
  return !treatingPhysician.has_value() && !practitionerIsTreatingPhysician();
}

std::optional<Date> Teleconsultation::encounterDate() const {
  if (!encounter.start.valid()) return std::nullopt;
  return encounter.start.value->localDate;
}

}  // namespace fhirgw::mappings
