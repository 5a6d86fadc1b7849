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

/// Identifier systems (french-interop.md).
inline constexpr std::string_view kInsNirSystem = "urn:oid:1.2.250.1.213.1.4.8";
inline constexpr std::string_view kInsNiaSystem = "urn:oid:1.2.250.1.213.1.4.9";
inline constexpr std::string_view kInsNirTestSystem = "urn:oid:1.2.250.1.213.1.4.10";
inline constexpr std::string_view kInsNiaTestSystem = "urn:oid:1.2.250.1.213.1.4.11";
inline constexpr std::string_view kIdnpsSystem = "urn:oid:1.2.250.1.71.4.2.1";
inline constexpr std::string_view kStructureIdSystem = "urn:oid:1.2.250.1.71.4.2.2";
inline constexpr std::string_view kFinessSystem = "https://finess.esante.gouv.fr";

/// Registers the checks of the FR Core profiles above (the cheap subset documented in
/// docs/fhir-validation.md); called once at set-up, like every other registration.
void registerFrCoreProfiles(Validator& validator);

}  // namespace fhirgw::fhir
