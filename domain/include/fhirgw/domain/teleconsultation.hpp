#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/domain/decimal.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/domain/field.hpp"
#include "fhirgw/fhir/date.hpp"
#include "fhirgw/fhir/date_time.hpp"

namespace fhirgw::domain {

/// Reliability status of an INS identity.
enum class InsStatus { kProvisional, kRetrieved, kValidated, kQualified };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<InsStatus, 4> kInsStatusCodes{{{
    {InsStatus::kProvisional, "provisional"},
    {InsStatus::kRetrieved, "retrieved"},
    {InsStatus::kValidated, "validated"},
    {InsStatus::kQualified, "qualified"},
}}};
/// Parses a code of kInsStatusCodes.
inline std::optional<InsStatus> parseInsStatus(std::string_view text) {
  return kInsStatusCodes.parse(text);
}
/// The code of a value in kInsStatusCodes.
inline std::string_view code(InsStatus v) { return kInsStatusCodes.code(v); }

/// Administrative gender.
enum class Gender { kFemale, kMale, kOther, kUnknown };
/// The editor API codes (FHIR's too), in the order messages list them.
inline constexpr common::CodeTable<Gender, 4> kGenderCodes{{{
    {Gender::kFemale, "female"},
    {Gender::kMale, "male"},
    {Gender::kOther, "other"},
    {Gender::kUnknown, "unknown"},
}}};
/// Parses a code of kGenderCodes.
inline std::optional<Gender> parseGender(std::string_view text) { return kGenderCodes.parse(text); }
/// The code of a value in kGenderCodes.
inline std::string_view code(Gender v) { return kGenderCodes.code(v); }

/// Where the patient lives (pathway exception 5 for the last three).
enum class Residence { kHome, kEhpad, kEsms, kDetention };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<Residence, 4> kResidenceCodes{{{
    {Residence::kHome, "home"},
    {Residence::kEhpad, "ehpad"},
    {Residence::kEsms, "esms"},
    {Residence::kDetention, "detention"},
}}};
/// Parses a code of kResidenceCodes.
inline std::optional<Residence> parseResidence(std::string_view text) {
  return kResidenceCodes.parse(text);
}
/// The code of a value in kResidenceCodes.
inline std::string_view code(Residence v) { return kResidenceCodes.code(v); }

/// The patient's INS (Identité Nationale de Santé), kept raw: ID-INS and ID-INS-QUALIFIED check it.
struct Ins {
  std::optional<std::string> value;  ///< 15 characters: NIR + key
  std::optional<std::string> oid;    ///< 1.2.250.1.213.1.4.8 (NIR), .9 (NIA), .10/.11 (test)
  Field<InsStatus> status;
};

/// A postal address (the patient's residence).
struct Address {
  std::vector<std::string> lines;
  std::optional<std::string> postalCode;
  std::optional<std::string> city;
};

/// The patient. Identity traits are optional here because ID-INS-TRAITS reports them for a
/// qualified INS; otherwise the parser reports missing ones as `required`.
struct Patient {
  std::optional<Ins> ins;
  std::optional<std::string> family;
  std::vector<std::string> given;  ///< given[0] is the first given name; all: the birth list
  Field<fhir::Date> birthDate;
  Field<Gender> gender;
  std::optional<std::string> birthPlaceInsee;
  std::optional<Address> address;
  std::vector<std::string> telecom;
  Residence residence = Residence::kHome;
  bool priorityZone = false;
  bool dmpConsent = true;
};

/// The practitioner's relation to the patient.
enum class Relation {
  kTreatingPhysician,
  kTreatingPhysicianReplacement,
  kSamePracticeSameSpecialty,
  kReferentMidwife,
  kOther,
};
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<Relation, 5> kRelationCodes{{{
    {Relation::kTreatingPhysician, "treating-physician"},
    {Relation::kTreatingPhysicianReplacement, "treating-physician-replacement"},
    {Relation::kSamePracticeSameSpecialty, "same-practice-same-specialty"},
    {Relation::kReferentMidwife, "referent-midwife"},
    {Relation::kOther, "other"},
}}};
/// Parses a code of kRelationCodes.
inline std::optional<Relation> parseRelation(std::string_view text) {
  return kRelationCodes.parse(text);
}
/// The code of a value in kRelationCodes.
inline std::string_view code(Relation v) { return kRelationCodes.code(v); }

/// The practitioner's convention sector (secteur conventionnel), for billing eligibility.
enum class ConventionSector { kSector1, kSector2, kSector2Optam, kNonConventioned };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<ConventionSector, 4> kConventionSectorCodes{{{
    {ConventionSector::kSector1, "1"},
    {ConventionSector::kSector2, "2"},
    {ConventionSector::kSector2Optam, "2-optam"},
    {ConventionSector::kNonConventioned, "non-conventioned"},
}}};
/// Parses a code of kConventionSectorCodes.
inline std::optional<ConventionSector> parseConventionSector(std::string_view text) {
  return kConventionSectorCodes.parse(text);
}
/// The code of a value in kConventionSectorCodes.
inline std::string_view code(ConventionSector v) { return kConventionSectorCodes.code(v); }

/// The practitioner's organization.
struct Organization {
  std::optional<std::string> finess;
  std::optional<std::string> siret;
  std::string name;
  std::string facilityType = "SA07";  ///< TRE_R02 code, individual practice by default
};

/// The teleconsulting physician.
struct Practitioner {
  std::optional<std::string> rpps;  ///< ID-RPPS checks it
  std::string family;
  std::vector<std::string> given;
  std::string specialty;                  ///< "general-practice", "psychiatry", ... or another code
  std::optional<std::string> postalCode;  ///< practice; TLC-TERRITORY
  std::optional<std::string> mssanteAddress;
  std::optional<Organization> organization;
  Relation relationToPatient = Relation::kOther;
  std::optional<ConventionSector> conventionSector;  ///< BILL-ACT eligibility; absent: not given
  bool practisesMainlyAbroad = false;                ///< AAT-ABROAD
};

/// The patient's declared médecin traitant.
struct TreatingPhysician {
  std::optional<std::string> rpps;  ///< ID-RPPS checks it
  std::string family;
  std::vector<std::string> given;
  std::optional<std::string> mssanteAddress;
  std::optional<std::string> fhirEndpoint;
};

/// Communication channel of the encounter.
enum class Channel { kVideo, kPhone };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<Channel, 2> kChannelCodes{{{
    {Channel::kVideo, "video"},
    {Channel::kPhone, "phone"},
}}};
/// Parses a code of kChannelCodes.
inline std::optional<Channel> parseChannel(std::string_view text) {
  return kChannelCodes.parse(text);
}
/// The code of a value in kChannelCodes.
inline std::string_view code(Channel v) { return kChannelCodes.code(v); }

/// How the patient came to this teleconsultation.
enum class Orientation {
  kTreatingPhysician,
  kDirectAccess,
  kEmergency,
  kNoTreatingPhysician,
  kTreatingPhysicianUnavailable,
  kSas,
  kNone,
};
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<Orientation, 7> kOrientationCodes{{{
    {Orientation::kTreatingPhysician, "treating-physician"},
    {Orientation::kDirectAccess, "direct-access"},
    {Orientation::kEmergency, "emergency"},
    {Orientation::kNoTreatingPhysician, "no-treating-physician"},
    {Orientation::kTreatingPhysicianUnavailable, "treating-physician-unavailable"},
    {Orientation::kSas, "sas"},
    {Orientation::kNone, "none"},
}}};
/// Parses a code of kOrientationCodes.
inline std::optional<Orientation> parseOrientation(std::string_view text) {
  return kOrientationCodes.parse(text);
}
/// The code of a value in kOrientationCodes.
inline std::string_view code(Orientation v) { return kOrientationCodes.code(v); }

/// The patient's consent to the teleconsultation (TLC-CONSENT).
struct Consent {
  std::optional<bool> obtained;
  Field<fhir::DateTime> at;
};

/// Profession of a professional assisting the patient.
enum class AssistantProfession { kNurse, kPharmacist, kPhysician };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<AssistantProfession, 3> kAssistantProfessionCodes{{{
    {AssistantProfession::kNurse, "nurse"},
    {AssistantProfession::kPharmacist, "pharmacist"},
    {AssistantProfession::kPhysician, "physician"},
}}};
/// Parses a code of kAssistantProfessionCodes.
inline std::optional<AssistantProfession> parseAssistantProfession(std::string_view text) {
  return kAssistantProfessionCodes.parse(text);
}
/// The code of a value in kAssistantProfessionCodes.
inline std::string_view code(AssistantProfession v) { return kAssistantProfessionCodes.code(v); }

/// A professional assisting the patient during the teleconsultation.
struct AssistedBy {
  AssistantProfession profession = AssistantProfession::kNurse;
  std::optional<std::string> rpps;  ///< ID-RPPS checks it when given
};

/// Kind of place the patient is in.
enum class PatientLocationKind { kHome, kCabin, kPharmacy, kHealthCenter, kOther };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<PatientLocationKind, 5> kPatientLocationKindCodes{{{
    {PatientLocationKind::kHome, "home"},
    {PatientLocationKind::kCabin, "cabin"},
    {PatientLocationKind::kPharmacy, "pharmacy"},
    {PatientLocationKind::kHealthCenter, "health-center"},
    {PatientLocationKind::kOther, "other"},
}}};
/// Parses a code of kPatientLocationKindCodes.
inline std::optional<PatientLocationKind> parsePatientLocationKind(std::string_view text) {
  return kPatientLocationKindCodes.parse(text);
}
/// The code of a value in kPatientLocationKindCodes.
inline std::string_view code(PatientLocationKind v) { return kPatientLocationKindCodes.code(v); }

/// Where the patient is during the teleconsultation.
struct PatientLocation {
  PatientLocationKind kind = PatientLocationKind::kHome;
  std::optional<std::string> postalCode;
};

/// The encounter; the fields rules check are kept as Field<> or optional.
struct Encounter {
  Field<fhir::DateTime> start;
  Field<fhir::DateTime> end;
  Field<Channel> channel;
  std::optional<Consent> consent;
  Field<Orientation> orientation;
  Field<fhir::Date> lastInPersonVisit;
  bool territorialOrganisation = false;
  std::optional<AssistedBy> assistedBy;
  std::optional<PatientLocation> patientLocation;
};

/// Third-party payment (tiers payant).
enum class ThirdPartyPayment { kNone, kAmo, kAmoAmc };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<ThirdPartyPayment, 3> kThirdPartyPaymentCodes{{{
    {ThirdPartyPayment::kNone, "none"},
    {ThirdPartyPayment::kAmo, "amo"},
    {ThirdPartyPayment::kAmoAmc, "amo-amc"},
}}};
/// Parses a code of kThirdPartyPaymentCodes.
inline std::optional<ThirdPartyPayment> parseThirdPartyPayment(std::string_view text) {
  return kThirdPartyPaymentCodes.parse(text);
}
/// The code of a value in kThirdPartyPaymentCodes.
inline std::string_view code(ThirdPartyPayment v) { return kThirdPartyPaymentCodes.code(v); }

/// The billed act (BILL-* rules).
struct Billing {
  std::optional<std::string> act;
  Field<Decimal> amount;  ///< a decimal string; a JSON number is accepted with its digits
  std::vector<std::string> majorations;
  bool ald = false;
  ThirdPartyPayment thirdPartyPayment = ThirdPartyPayment::kNone;
};

/// One teleconsultation as posted by an editor.
struct Teleconsultation {
  std::optional<std::string> externalId;
  Patient patient;
  Practitioner practitioner;
  std::optional<TreatingPhysician> treatingPhysician;
  Encounter encounter;
  std::optional<Billing> billing;
  std::vector<Document> documents;

  /// The practitioner is the patient's treating physician (relationToPatient says so).
  bool practitionerIsTreatingPhysician() const;
  /// rules.md: `treatingPhysician` absent or null and the practitioner is not the treating
  /// physician; the orientation does not change it.
  bool noTreatingPhysicianDeclared() const;
  /// The calendar date of encounter.start in its own offset, when start is valid.
  std::optional<fhir::Date> encounterDate() const;
};

}  // namespace fhirgw::domain
