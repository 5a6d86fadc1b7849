#include "fhirgw/mappings/teleconsultation.hpp"

#include "code_table.hpp"

namespace fhirgw::mappings {
namespace {

constexpr detail::CodeTable<InsStatus, 4> kInsStatusCodes{{{
    {InsStatus::kProvisional, "provisional"},
    {InsStatus::kRetrieved, "retrieved"},
    {InsStatus::kValidated, "validated"},
    {InsStatus::kQualified, "qualified"},
}}};

constexpr detail::CodeTable<Gender, 4> kGenderCodes{{{
    {Gender::kFemale, "female"},
    {Gender::kMale, "male"},
    {Gender::kOther, "other"},
    {Gender::kUnknown, "unknown"},
}}};

constexpr detail::CodeTable<Residence, 4> kResidenceCodes{{{
    {Residence::kHome, "home"},
    {Residence::kEhpad, "ehpad"},
    {Residence::kEsms, "esms"},
    {Residence::kDetention, "detention"},
}}};

constexpr detail::CodeTable<Relation, 5> kRelationCodes{{{
    {Relation::kTreatingPhysician, "treating-physician"},
    {Relation::kTreatingPhysicianReplacement, "treating-physician-replacement"},
    {Relation::kSamePracticeSameSpecialty, "same-practice-same-specialty"},
    {Relation::kReferentMidwife, "referent-midwife"},
    {Relation::kOther, "other"},
}}};

constexpr detail::CodeTable<ConventionSector, 4> kConventionSectorCodes{{{
    {ConventionSector::kSector1, "1"},
    {ConventionSector::kSector2, "2"},
    {ConventionSector::kSector2Optam, "2-optam"},
    {ConventionSector::kNonConventioned, "non-conventioned"},
}}};

constexpr detail::CodeTable<Channel, 2> kChannelCodes{{{
    {Channel::kVideo, "video"},
    {Channel::kPhone, "phone"},
}}};

constexpr detail::CodeTable<Orientation, 7> kOrientationCodes{{{
    {Orientation::kTreatingPhysician, "treating-physician"},
    {Orientation::kDirectAccess, "direct-access"},
    {Orientation::kEmergency, "emergency"},
    {Orientation::kNoTreatingPhysician, "no-treating-physician"},
    {Orientation::kTreatingPhysicianUnavailable, "treating-physician-unavailable"},
    {Orientation::kSas, "sas"},
    {Orientation::kNone, "none"},
}}};

constexpr detail::CodeTable<AssistantProfession, 3> kAssistantProfessionCodes{{{
    {AssistantProfession::kNurse, "nurse"},
    {AssistantProfession::kPharmacist, "pharmacist"},
    {AssistantProfession::kPhysician, "physician"},
}}};

constexpr detail::CodeTable<PatientLocationKind, 5> kPatientLocationKindCodes{{{
    {PatientLocationKind::kHome, "home"},
    {PatientLocationKind::kCabin, "cabin"},
    {PatientLocationKind::kPharmacy, "pharmacy"},
    {PatientLocationKind::kHealthCenter, "health-center"},
    {PatientLocationKind::kOther, "other"},
}}};

constexpr detail::CodeTable<ThirdPartyPayment, 3> kThirdPartyPaymentCodes{{{
    {ThirdPartyPayment::kNone, "none"},
    {ThirdPartyPayment::kAmo, "amo"},
    {ThirdPartyPayment::kAmoAmc, "amo-amc"},
}}};

}  // namespace

std::optional<InsStatus> parseInsStatus(std::string_view text) {
  return kInsStatusCodes.parse(text);
}
std::string_view code(InsStatus v) { return kInsStatusCodes.code(v); }

std::optional<Gender> parseGender(std::string_view text) { return kGenderCodes.parse(text); }
std::string_view code(Gender v) { return kGenderCodes.code(v); }

std::optional<Residence> parseResidence(std::string_view text) {
  return kResidenceCodes.parse(text);
}
std::string_view code(Residence v) { return kResidenceCodes.code(v); }

std::optional<Relation> parseRelation(std::string_view text) { return kRelationCodes.parse(text); }
std::string_view code(Relation v) { return kRelationCodes.code(v); }

std::optional<ConventionSector> parseConventionSector(std::string_view text) {
  return kConventionSectorCodes.parse(text);
}
std::string_view code(ConventionSector v) { return kConventionSectorCodes.code(v); }

std::optional<Channel> parseChannel(std::string_view text) { return kChannelCodes.parse(text); }
std::string_view code(Channel v) { return kChannelCodes.code(v); }

std::optional<Orientation> parseOrientation(std::string_view text) {
  return kOrientationCodes.parse(text);
}
std::string_view code(Orientation v) { return kOrientationCodes.code(v); }

std::optional<AssistantProfession> parseAssistantProfession(std::string_view text) {
  return kAssistantProfessionCodes.parse(text);
}
std::string_view code(AssistantProfession v) { return kAssistantProfessionCodes.code(v); }

std::optional<PatientLocationKind> parsePatientLocationKind(std::string_view text) {
  return kPatientLocationKindCodes.parse(text);
}
std::string_view code(PatientLocationKind v) { return kPatientLocationKindCodes.code(v); }

std::optional<ThirdPartyPayment> parseThirdPartyPayment(std::string_view text) {
  return kThirdPartyPaymentCodes.parse(text);
}
std::string_view code(ThirdPartyPayment v) { return kThirdPartyPaymentCodes.code(v); }

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
