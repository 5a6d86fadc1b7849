#include "fhirgw/mappings/document.hpp"

#include "code_table.hpp"

namespace fhirgw::mappings {
namespace {

constexpr detail::CodeTable<ContentType, 2> kContentTypeCodes{{{
    {ContentType::kPdf, "application/pdf"},
    {ContentType::kTextPlain, "text/plain"},
}}};

constexpr detail::CodeTable<Confidentiality, 3> kConfidentialityCodes{{{
    {Confidentiality::kNormal, "N"},
    {Confidentiality::kRestricted, "R"},
    {Confidentiality::kVeryRestricted, "V"},
}}};

constexpr detail::CodeTable<MedicationSystem, 4> kMedicationSystemCodes{{{
    {MedicationSystem::kUcd, "UCD"},
    {MedicationSystem::kCip13, "CIP13"},
    {MedicationSystem::kSms, "SMS"},
    {MedicationSystem::kText, "text"},
}}};

constexpr detail::CodeTable<SickLeaveType, 2> kSickLeaveTypeCodes{{{
    {SickLeaveType::kInitial, "initial"},
    {SickLeaveType::kProlongation, "prolongation"},
}}};

}  // namespace

std::optional<ContentType> parseContentType(std::string_view text) {
  return kContentTypeCodes.parse(text);
}
std::string_view code(ContentType v) { return kContentTypeCodes.code(v); }

std::optional<Confidentiality> parseConfidentiality(std::string_view text) {
  return kConfidentialityCodes.parse(text);
}
std::string_view code(Confidentiality v) { return kConfidentialityCodes.code(v); }

std::optional<MedicationSystem> parseMedicationSystem(std::string_view text) {
  return kMedicationSystemCodes.parse(text);
}
std::string_view code(MedicationSystem v) { return kMedicationSystemCodes.code(v); }

std::optional<SickLeaveType> parseSickLeaveType(std::string_view text) {
  return kSickLeaveTypeCodes.parse(text);
}
std::string_view code(SickLeaveType v) { return kSickLeaveTypeCodes.code(v); }

std::string_view documentKind(const Document& d) {
  struct Visitor {
    std::string_view operator()(const Report&) const { return "report"; }
    std::string_view operator()(const Prescription&) const { return "prescription"; }
    std::string_view operator()(const SickLeave&) const { return "sick-leave"; }
  };
  return std::visit(Visitor{}, d);
}

const std::optional<std::string>& documentExternalId(const Document& d) {
  return std::visit(
      [](const auto& doc) -> const std::optional<std::string>& { return doc.externalId; }, d);
}

const Recipients& documentRecipients(const Document& d) {
  return std::visit([](const auto& doc) -> const Recipients& { return doc.recipients; }, d);
}

ResolvedRecipients resolveRecipients(const Document& d, bool practitionerIsTreatingPhysician) {
  ResolvedRecipients defaults;
  if (std::holds_alternative<Report>(d)) {
    defaults = {true, !practitionerIsTreatingPhysician, false};
  } else {
    defaults = {true, false, true};
  }
  const Recipients& asked = documentRecipients(d);
  return {asked.dmp.value_or(defaults.dmp),
          asked.treatingPhysician.value_or(defaults.treatingPhysician),
          asked.patient.value_or(defaults.patient)};
}

}  // namespace fhirgw::mappings
