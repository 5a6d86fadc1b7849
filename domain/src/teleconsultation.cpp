#include "fhirgw/domain/teleconsultation.hpp"

namespace fhirgw::domain {

bool Teleconsultation::practitionerIsTreatingPhysician() const {
  return practitioner.relationToPatient == Relation::kTreatingPhysician;
}

bool Teleconsultation::noTreatingPhysicianDeclared() const {
  return !treatingPhysician.has_value() && !practitionerIsTreatingPhysician();
}

std::optional<fhir::Date> Teleconsultation::encounterDate() const {
  if (!encounter.start.valid()) return std::nullopt;
  return encounter.start.value->localDate;
}

}  // namespace fhirgw::domain
