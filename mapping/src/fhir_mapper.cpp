#include "fhirgw/mapping/fhir_mapper.hpp"

#include <array>
#include <optional>
#include <variant>

#include "builders.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"

namespace fhirgw::mapping {

struct FhirMapper::Impl {
  FhirMapperOptions options;
  const fhir::Validator* validator = nullptr;
};

namespace {

// The fields the mapping dereferences; the rules reject a record without them, so a gap here
// means the caller mapped a record that was not accepted.
common::Status checkRecord(const domain::Teleconsultation& t) {
  if (!t.encounter.start.valid() || !t.encounter.end.valid()) {
    return common::failedPrecondition("encounter.start and encounter.end must be valid");
  }
  if (!t.practitioner.rpps) return common::failedPrecondition("practitioner.rpps is missing");
  return common::Status::ok();
}

common::Status checkDocument(const domain::Document& d) {
  if (const auto* r = std::get_if<domain::Report>(&d)) {
    if (!r->content || !r->content->bytes || !r->content->data || !r->content->contentType.value) {
      return common::failedPrecondition("a report needs a valid content");
    }
  } else if (const auto* p = std::get_if<domain::Prescription>(&d)) {
    if (p->items.empty()) return common::failedPrecondition("a prescription needs items");
    for (const domain::PrescriptionItem& i : p->items) {
      if (!i.medication || !i.dosage) {
        return common::failedPrecondition("a prescription item needs a medication and a dosage");
      }
    }
    if (p->content && p->content->bytes && !p->content->contentType.value) {
      return common::failedPrecondition("a prescription content needs a content type");
    }
  } else if (const auto* l = std::get_if<domain::SickLeave>(&d)) {
    if (!l->type.valid() || !l->start.valid() || !l->end.valid()) {
      return common::failedPrecondition("a sick-leave notice needs a type, a start and an end");
    }
  }
  return common::Status::ok();
}

// Only a qualified INS, accepted by the rules, goes into the Patient (fhir-mapping.md). Whether
// it is usable is the rules' decision (flags.insQualified, under the configured INS policy);
// the mapper only checks that what it writes is there: a value and the system of its OID.
bool carriesIns(const domain::Teleconsultation& t, const MappingFlags& flags) {
  const auto& ins = t.patient.ins;
  if (!flags.insQualified || !ins || !ins->value || !ins->oid) return false;
  if (ins->status.value != domain::InsStatus::kQualified) return false;
  return fhir::fr::insSystemOf(*ins->oid).has_value();
}

void mapOneDocument(const RecordScope& s, const domain::Document& d, std::string_view docId,
                    std::size_t index, const FhirMapperOptions& options, std::vector<Built>& out) {
  if (const auto* r = std::get_if<domain::Report>(&d)) {
    mapReport(s, *r, docId, index, options, out);
  } else if (const auto* p = std::get_if<domain::Prescription>(&d)) {
    mapPrescription(s, *p, docId, index, out);
  } else if (const auto* l = std::get_if<domain::SickLeave>(&d)) {
    mapSickLeave(s, *l, docId, index, out);
  }
}

// Serialises and validates each resource exactly as it will be stored and sent (the text, parsed
// back, so JSON numbers versus strings are checked too).
common::Result<MappedRecord> finish(const fhir::Validator& validator,
                                    const std::vector<Built>& built,
                                    fhir::IssueSink& validationErrors) {
  MappedRecord record;
  std::vector<fhir::Issue> errors;
  for (const Built& b : built) {
    MappedResource r{b.type, b.id, b.documentIndex, b.documentId, b.json.serialize()};
    // The tree read as parseJson(r.json) would read it, without parsing the text again.
    auto parsed = b.json.toDocument();
    if (!parsed) return common::internal("mapped " + r.reference() + " is not valid JSON");
    for (fhir::Issue& issue : validator.validate(*parsed)) {
      issue.diagnostics = r.reference() + ": " + issue.diagnostics;
      const bool error = issue.severity == fhir::IssueSeverity::kError ||
                         issue.severity == fhir::IssueSeverity::kFatal;
      (error ? errors : record.validationIssues).push_back(std::move(issue));
    }
    record.resources.push_back(std::move(r));
  }
  if (!errors.empty()) {
    std::string message =
        "a mapped resource fails FHIR validation (" + std::to_string(errors.size()) +
        " errors; first: " + errors.front().expression + ": " + errors.front().diagnostics + ")";
    validationErrors.addAll(std::move(errors));
    return common::internal(std::move(message));
  }
  return record;
}

}  // namespace

FhirMapper::FhirMapper(const fhir::Validator& validator, FhirMapperOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::move(options), &validator})) {}

FhirMapper::~FhirMapper() = default;
FhirMapper::FhirMapper(FhirMapper&&) noexcept = default;
FhirMapper& FhirMapper::operator=(FhirMapper&&) noexcept = default;

const fhir::Validator& FhirMapper::validator() const { return *impl_->validator; }

common::Result<MappedRecord> FhirMapper::mapTeleconsultation(
    const domain::Teleconsultation& t, const MappingFlags& flags, const MappingContext& context,
    fhir::IssueSink& validationErrors) const {
  if (flags.rulesFailed) {
    return common::failedPrecondition("a record whose rules failed is not mapped");
  }
  if (context.documentIds.size() != t.documents.size()) {
    return common::invalidArgument("one document id is needed per document");
  }
  if (common::Status s = checkRecord(t); !s.isOk()) return s;
  for (const domain::Document& d : t.documents) {
    if (common::Status s = checkDocument(d); !s.isOk()) return s;
  }

  const RecordScope s(t, context);
  std::vector<Built> out;
  out.push_back(patient(s, carriesIns(t, flags)));
  out.push_back(practitioner(s));
  if (!s.treatingId.empty()) out.push_back(treatingPhysician(s));
  if (!s.organizationId.empty()) out.push_back(organization(s));
  out.push_back(practitionerRole(s));
  out.push_back(encounter(s));
  if (t.encounter.consent) out.push_back(consent(s));
  for (Built& c : chargeItems(s, flags)) out.push_back(std::move(c));
  for (std::size_t i = 0; i < t.documents.size(); ++i) {
    mapOneDocument(s, t.documents[i], context.documentIds[i], i, impl_->options, out);
  }
  Built recordProvenance = provenance(s, "record", out);
  Built recordAudit = auditEvent(s, "record", out);
  out.push_back(std::move(recordProvenance));
  out.push_back(std::move(recordAudit));
  return finish(*impl_->validator, out, validationErrors);
}

common::Result<MappedRecord> FhirMapper::mapDocument(const domain::Teleconsultation& record,
                                                     const domain::Document& document,
                                                     std::string_view documentId,
                                                     std::size_t documentIndex,
                                                     const MappingContext& context,
                                                     fhir::IssueSink& validationErrors) const {
  if (documentId.empty()) return common::invalidArgument("a document id is needed");
  if (common::Status s = checkRecord(record); !s.isOk()) return s;
  if (common::Status s = checkDocument(document); !s.isOk()) return s;
  const RecordScope s(record, context);
  std::vector<Built> out;
  mapOneDocument(s, document, documentId, documentIndex, impl_->options, out);
  const std::string scopeKey = "document/" + std::string(documentId);
  Built p = provenance(s, scopeKey, out);
  Built a = auditEvent(s, scopeKey, out);
  p.documentIndex = a.documentIndex = documentIndex;
  p.documentId = a.documentId = std::string(documentId);
  out.push_back(std::move(p));
  out.push_back(std::move(a));
  return finish(*impl_->validator, out, validationErrors);
}

common::Result<MappedRecord> FhirMapper::mapTeleconsultation(const domain::Teleconsultation& t,
                                                             const MappingFlags& flags,
                                                             const MappingContext& context) const {
  fhir::IssueSink ignored;
  return mapTeleconsultation(t, flags, context, ignored);
}

common::Result<MappedRecord> FhirMapper::mapDocument(const domain::Teleconsultation& record,
                                                     const domain::Document& document,
                                                     std::string_view documentId,
                                                     std::size_t documentIndex,
                                                     const MappingContext& context) const {
  fhir::IssueSink ignored;
  return mapDocument(record, document, documentId, documentIndex, context, ignored);
}

std::span<const ProducedType> producedTypes() {
  // Patient claims fr-core-patient-ins instead when the qualified INS is carried.
  static constexpr std::array<ProducedType, 16> kTypes{{
      {"Patient", fhir::kFrCorePatient},
      {"Patient", fhir::kFrCorePatientIns},
      {"Practitioner", fhir::kFrCorePractitioner},
      {"PractitionerRole", fhir::kFrCorePractitionerRole},
      {"Organization", fhir::kFrCoreOrganization},
      {"Encounter", fhir::kFrCoreEncounter},
      {"Consent", ""},
      {"ChargeItem", ""},
      {"DocumentReference", ""},
      {"Binary", ""},
      {"MedicationRequest", ""},
      {"ServiceRequest", ""},
      {"Provenance", ""},
      {"AuditEvent", ""},
      {"Bundle", ""},
      {"OperationOutcome", ""},
  }};
  return kTypes;
}

std::string fhirBundleId(std::string_view clientId, std::string_view recordId) {
  return common::deterministicUuid({clientId, recordId, "Bundle"});
}

}  // namespace fhirgw::mapping
