#pragma once

#include <string>
#include <string_view>

#include "fhirgw/fhir/operation_outcome.hpp"

// Code systems, identifier systems and extension URLs of the FHIR mapping (docs/fhir-mapping.md
// lists each with its source). Project URIs live under fhir::kProjectCanonicalBase.
namespace fhirgw::mapping {

/// Whether `uri` is a project URI: the canonical base, then a path.
constexpr bool isProjectUri(std::string_view uri) {
  return uri.starts_with(fhir::kProjectCanonicalBase) &&
         uri.substr(fhir::kProjectCanonicalBase.size()).starts_with('/');
}

// HL7 terminology.
inline constexpr std::string_view kV3ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kV3ParticipationType =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr std::string_view kV3Confidentiality =
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
inline constexpr std::string_view kV3DataOperation =
    "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
inline constexpr std::string_view kConsentScope =
    "http://terminology.hl7.org/CodeSystem/consentscope";
inline constexpr std::string_view kProvenanceParticipantType =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
inline constexpr std::string_view kSecuritySourceType =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
inline constexpr std::string_view kDicom = "http://dicom.nema.org/resources/ontology/DCM";
inline constexpr std::string_view kRestfulInteraction = "http://hl7.org/fhir/restful-interaction";
inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kRfc3986 = "urn:ietf:rfc:3986";
inline constexpr std::string_view kBirthPlaceExtension =
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
inline constexpr std::string_view kIheFormatCode =
    "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode";

// FR Core 2.1.0.
inline constexpr std::string_view kFrCoreIdentifierType =
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
inline constexpr std::string_view kFrCoreIdentityReliability =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability";
inline constexpr std::string_view kFrCoreIdentityStatusSystem =
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445";
inline constexpr std::string_view kFrCoreBirthListGivenName =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name";
inline constexpr std::string_view kFrCoreAddressInseeCode =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code";

// ANS nomenclatures (NOS).
inline constexpr std::string_view kTreR13Commune =
    "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM";
inline constexpr std::string_view kTreR38Specialty =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";
inline constexpr std::string_view kTreA03Class =
    "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument";
inline constexpr std::string_view kTreA05ComplementaryType =
    "https://mos.esante.gouv.fr/NOS/TRE_A05-TypeDocComplementaire/FHIR/"
    "TRE-A05-TypeDocComplementaire";
inline constexpr std::string_view kTreA01PracticeSetting =
    "https://mos.esante.gouv.fr/NOS/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice";
inline constexpr std::string_view kTreR02FacilityType =
    "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite";

// ANSM medication code systems (as used by the Interop'Santé FR Medication IG).
inline constexpr std::string_view kUcdSystem = "http://data.esante.gouv.fr/ansm/medicament/UCD";
inline constexpr std::string_view kCip13System =
    "http://data.esante.gouv.fr/ansm/medicament/codeCIP13";
inline constexpr std::string_view kSmsSystem = "http://data.esante.gouv.fr/ansm/medicament/codeSMS";

// Project identifier systems, code systems and extensions.
inline constexpr std::string_view kRecordIdSystem =
    "https://fhir-gateway.fr/fhir/sid/teleconsultation";
inline constexpr std::string_view kExternalIdSystem =
    "https://fhir-gateway.fr/fhir/sid/external-id";
inline constexpr std::string_view kClientSystem = "https://fhir-gateway.fr/fhir/sid/client";
inline constexpr std::string_view kPrescriptionNumberSystem =
    "https://fhir-gateway.fr/fhir/sid/cnam-prescription-number";
inline constexpr std::string_view kNgapSystem = "https://fhir-gateway.fr/fhir/CodeSystem/ngap";
inline constexpr std::string_view kSpecialtySystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/specialty";
inline constexpr std::string_view kEncounterTypeSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/encounter-type";
inline constexpr std::string_view kOrientationSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/orientation";
inline constexpr std::string_view kPatientLocationSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/patient-location";
inline constexpr std::string_view kAssistantSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/assistant-profession";
inline constexpr std::string_view kSickLeaveSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/sick-leave";
inline constexpr std::string_view kThirdPartyPaymentSystem =
    "https://fhir-gateway.fr/fhir/CodeSystem/third-party-payment";
inline constexpr std::string_view kOrientationExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/orientation";
inline constexpr std::string_view kPatientLocationExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/patient-location";
inline constexpr std::string_view kNotReimbursableExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/not-reimbursable";
inline constexpr std::string_view kBillingContextExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/billing-context";
inline constexpr std::string_view kOngoingLeaveStartExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/sick-leave-ongoing-start";
inline constexpr std::string_view kInPersonImpossibleExtension =
    "https://fhir-gateway.fr/fhir/StructureDefinition/in-person-impossible";

// Written out whole so each can be found by its text; checked against the base here.
static_assert(isProjectUri(kRecordIdSystem));
static_assert(isProjectUri(kExternalIdSystem));
static_assert(isProjectUri(kClientSystem));
static_assert(isProjectUri(kPrescriptionNumberSystem));
static_assert(isProjectUri(kNgapSystem));
static_assert(isProjectUri(kSpecialtySystem));
static_assert(isProjectUri(kEncounterTypeSystem));
static_assert(isProjectUri(kOrientationSystem));
static_assert(isProjectUri(kPatientLocationSystem));
static_assert(isProjectUri(kAssistantSystem));
static_assert(isProjectUri(kSickLeaveSystem));
static_assert(isProjectUri(kThirdPartyPaymentSystem));
static_assert(isProjectUri(kOrientationExtension));
static_assert(isProjectUri(kPatientLocationExtension));
static_assert(isProjectUri(kNotReimbursableExtension));
static_assert(isProjectUri(kBillingContextExtension));
static_assert(isProjectUri(kOngoingLeaveStartExtension));
static_assert(isProjectUri(kInPersonImpossibleExtension));

}  // namespace fhirgw::mapping
