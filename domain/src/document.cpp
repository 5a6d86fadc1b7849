#include "fhirgw/domain/document.hpp"

namespace fhirgw::domain {

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

}  // namespace fhirgw::domain
