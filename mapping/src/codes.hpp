#pragma once

#include <string>
#include <string_view>

#include "fhirgw/fhir/operation_outcome.hpp"

// Code systems, identifier systems and extension URLs of the FHIR mapping (docs/fhir-mapping.md
// lists each with its source). Project URIs live under fhir::kProjectCanonicalBase.
namespace fhirgw::mapping {

inline std::string project(std::string_view path) {
  return std::string(fhir::kProjectCanonicalBase) + "/" + std::string(path);
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
inline const std::string kRecordIdSystem = project("sid/teleconsultation");
inline const std::string kExternalIdSystem = project("sid/external-id");
inline const std::string kClientSystem = project("sid/client");
inline const std::string kPrescriptionNumberSystem = project("sid/cnam-prescription-number");
inline const std::string kNgapSystem = project("CodeSystem/ngap");
inline const std::string kSpecialtySystem = project("CodeSystem/specialty");
inline const std::string kEncounterTypeSystem = project("CodeSystem/encounter-type");
inline const std::string kOrientationSystem = project("CodeSystem/orientation");
inline const std::string kPatientLocationSystem = project("CodeSystem/patient-location");
inline const std::string kAssistantSystem = project("CodeSystem/assistant-profession");
inline const std::string kSickLeaveSystem = project("CodeSystem/sick-leave");
inline const std::string kThirdPartyPaymentSystem = project("CodeSystem/third-party-payment");
inline const std::string kOrientationExtension = project("StructureDefinition/orientation");
inline const std::string kPatientLocationExtension =
    project("StructureDefinition/patient-location");
inline const std::string kNotReimbursableExtension =
    project("StructureDefinition/not-reimbursable");
inline const std::string kBillingContextExtension = project("StructureDefinition/billing-context");
inline const std::string kOngoingLeaveStartExtension =
    project("StructureDefinition/sick-leave-ongoing-start");
inline const std::string kInPersonImpossibleExtension =
    project("StructureDefinition/in-person-impossible");

}  // namespace fhirgw::mapping
