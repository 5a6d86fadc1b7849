#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/mappings/date.hpp"
#include "fhirgw/mappings/date_time.hpp"
#include "fhirgw/mappings/decimal.hpp"
#include "fhirgw/mappings/document.hpp"
#include "fhirgw/mappings/field.hpp"

namespace fhirgw::mappings {

/// Reliability status of an INS identity.
enum class InsStatus { kProvisional, kRetrieved, kValidated, kQualified };
/// Parses "provisional" | "retrieved" | "validated" | "qualified".
std::optional<InsStatus> parseInsStatus(std::string_view text);
/// The editor API code of a status.
std::string_view code(InsStatus s);

/// Administrative gender.
enum class Gender { kFemale, kMale, kOther, kUnknown };
/// Parses "female" | "male" | "other" | "unknown".
std::optional<Gender> parseGender(std::string_view text);
/// The editor API (and FHIR) code of a gender.
std::string_view code(Gender g);

/// Where the patient lives (pathway exception 5 for the last three).
enum class Residence { kHome, kEhpad, kEsms, kDetention };
/// Parses "home" | "ehpad" | "esms" | "detention".
std::optional<Residence> parseResidence(std::string_view text);
/// The editor API code of a residence.
std::string_view code(Residence r);

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
  Field<Date> birthDate;
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
/// Parses the editor API codes ("treating-physician", ...).
std::optional<Relation> parseRelation(std::string_view text);
/// The editor API code of a relation.
std::string_view code(Relation r);

/// The practitioner's convention sector (secteur conventionnel), for billing eligibility.
enum class ConventionSector { kSector1, kSector2, kSector2Optam, kNonConventioned };
/// Parses "1" | "2" | "2-optam" | "non-conventioned".
std::optional<ConventionSector> parseConventionSector(std::string_view text);
/// The editor API code of a sector.
std::string_view code(ConventionSector s);

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
/// Parses "video" | "phone".
std::optional<Channel> parseChannel(std::string_view text);
/// "video" | "phone".
std::string_view code(Channel c);

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
/// Parses the editor API codes ("treating-physician", "sas", ...).
std::optional<Orientation> parseOrientation(std::string_view text);
/// The editor API code of an orientation.
std::string_view code(Orientation o);

/// The patient's consent to the teleconsultation (TLC-CONSENT).
struct Consent {
  std::optional<bool> obtained;
  Field<DateTime> at;
};

/// Profession of a professional assisting the patient.
enum class AssistantProfession { kNurse, kPharmacist, kPhysician };
/// Parses "nurse" | "pharmacist" | "physician".
std::optional<AssistantProfession> parseAssistantProfession(std::string_view text);
/// The editor API code of a profession.
std::string_view code(AssistantProfession p);

/// A professional assisting the patient during the teleconsultation.
struct AssistedBy {
  AssistantProfession profession = AssistantProfession::kNurse;
  std::optional<std::string> rpps;  ///< ID-RPPS checks it when given
};

/// Kind of place the patient is in.
enum class PatientLocationKind { kHome, kCabin, kPharmacy, kHealthCenter, kOther };
/// Parses "home" | "cabin" | "pharmacy" | "health-center" | "other".
std::optional<PatientLocationKind> parsePatientLocationKind(std::string_view text);
/// The editor API code of a location kind.
std::string_view code(PatientLocationKind k);

/// Where the patient is during the teleconsultation.
struct PatientLocation {
  PatientLocationKind kind = PatientLocationKind::kHome;
  std::optional<std::string> postalCode;
};

/// The encounter; the fields rules check are kept as Field<> or optional.
struct Encounter {
  Field<DateTime> start;
  Field<DateTime> end;
  Field<Channel> channel;
  std::optional<Consent> consent;
  Field<Orientation> orientation;
  Field<Date> lastInPersonVisit;
  bool territorialOrganisation = false;
  std::optional<AssistedBy> assistedBy;
  std::optional<PatientLocation> patientLocation;
};

/// Third-party payment (tiers payant).
enum class ThirdPartyPayment { kNone, kAmo, kAmoAmc };
/// Parses "none" | "amo" | "amo-amc".
std::optional<ThirdPartyPayment> parseThirdPartyPayment(std::string_view text);
/// The editor API code of a third-party payment mode.
std::string_view code(ThirdPartyPayment t);

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
  std::optional<Date> encounterDate() const;
};

}  // namespace fhirgw::mappings
