#pragma once

#include <optional>
#include <string_view>

namespace fhirgw::connectors {

/// Where a record or document goes (connectors.md "Routing"); a connector instance is routed to
/// one or more of them.
enum class Destination {
  kDmp,                ///< the patient's DMP (Mon Espace Santé record)
  kTreatingPhysician,  ///< the declared médecin traitant
  kPatient,            ///< the patient's secure messaging (Mon Espace Santé)
  kEncounter,          ///< the encounter itself (Encounter, Consent, ChargeItem, Provenance)
};

/// "dmp", "treating-physician", "patient" or "encounter" (the store's destination text).
std::string_view destinationName(Destination destination);
/// Parses a destinationName(); nullopt otherwise.
std::optional<Destination> parseDestination(std::string_view text);

}  // namespace fhirgw::connectors
