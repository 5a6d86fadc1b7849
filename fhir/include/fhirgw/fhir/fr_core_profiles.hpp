#pragma once

#include <string_view>

#include "fhirgw/fhir/validator.hpp"

namespace fhirgw::fhir {

/// Canonical base of the FR Core profiles (HL7 France FR Core 2.1.0).
inline constexpr std::string_view kFrCoreProfileBase =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/";
/// FR Core profile canonical URLs the gateway claims.
inline constexpr std::string_view kFrCorePatient =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient";
inline constexpr std::string_view kFrCorePatientIns =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";
inline constexpr std::string_view kFrCorePractitioner =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner";
inline constexpr std::string_view kFrCorePractitionerRole =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner-role";
inline constexpr std::string_view kFrCoreOrganization =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization";
inline constexpr std::string_view kFrCoreEncounter =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-encounter";

/// Registers the checks of the FR Core profiles above (the cheap subset documented in
/// docs/fhir-validation.md); called once at set-up, like every other registration.
void registerFrCoreProfiles(Validator& validator);

/// The gateway's validator: base R4 with the FR Core checks registered. Built once by whoever
/// composes the program (the gateway's wiring, a test, a benchmark) and injected into the mapper
/// and the connectors.
Validator makeFrCoreValidator();

}  // namespace fhirgw::fhir
