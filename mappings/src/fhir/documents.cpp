// Document resources: DocumentReference + Binary for reports and PDFs, MedicationRequest per
// prescription item, ServiceRequest + DocumentReference (PRESC-AAT) for a sick-leave notice.
#include "builders.hpp"
#include "codes.hpp"
#include "fhirgw/common/crypto.hpp"

namespace fhirgw::mappings::fhirmap {
namespace {

Built make(std::string type, std::string id, std::string_view docId, std::size_t index) {
  Built b{std::move(type), std::move(id), Json::object(), index, std::string(docId)};
  b.json.set("resourceType", b.type).set("id", b.id);
  return b;
}

Json externalIdentifier(const RecordScope& s, const std::optional<std::string>& externalId) {
  if (!externalId) return {};
  return identifier(kExternalIdSystem, *externalId)
      .set("assigner", Json::object().set("identifier", identifier(kClientSystem, s.ctx.clientId)));
}

/// What a DocumentReference says about its content and context.
struct DocumentMeta {
  std::string_view typeSystem;
  std::string_view typeCode;
  std::string_view typeDisplay;
  std::string_view classCode;  // TRE_A03
  std::string title;
  std::optional<std::string> authoredAt;  // attachment.creation
  Confidentiality confidentiality = Confidentiality::kNormal;
  const std::optional<std::string>* externalId = nullptr;
  std::vector<std::string> related;  // "Type/id" of the resources the document renders
};

// Appends the Binary holding `bytes` and the DocumentReference describing it.
void appendDocument(const RecordScope& s, std::string_view docId, std::size_t index,
                    std::string_view contentType, const std::string& base64,
                    const std::string& bytes, const DocumentMeta& m, std::vector<Built>& out) {
  Built binary = make("Binary", s.idOf("document", docId, "Binary"), docId, index);
  binary.json.set("contentType", contentType).set("data", base64);

  Built doc =
      make("DocumentReference", s.idOf("document", docId, "DocumentReference"), docId, index);
  const Encounter& e = s.t.encounter;
  const std::string facilityType = s.t.practitioner.organization
                                       ? s.t.practitioner.organization->facilityType
                                       : std::string("SA07");
  Json related = Json::array();
  for (const std::string& r : m.related) related.push(Json::object().set("reference", r));
  doc.json.set("masterIdentifier", identifier(kRfc3986, "urn:uuid:" + doc.id))
      .set("identifier",
           Json::array().push(m.externalId != nullptr ? externalIdentifier(s, *m.externalId)
                                                      : Json()))
      .set("status", "current")
      .set("docStatus", "final")
      .set("type", codeable(m.typeSystem, m.typeCode, m.typeDisplay))
      .set("category", Json::array().push(codeable(kTreA03Class, m.classCode)))
      .set("subject", ref("Patient", s.patientId))
      .set("date", instant(s.ctx.receivedAt))
      .set("author", Json::array().push(ref("Practitioner", s.practitionerId)));
  if (!s.organizationId.empty()) doc.json.set("custodian", ref("Organization", s.organizationId));
  doc.json
      .set("securityLabel",
           Json::array().push(codeable(kV3Confidentiality, code(m.confidentiality))))
      .set("content",
           Json::array().push(
               Json::object()
                   .set("attachment",
                        Json::object()
                            .set("contentType", contentType)
                            .set("language", "fr-FR")
                            .set("url", binary.reference())
                            .set("size", Json::integer(static_cast<std::int64_t>(bytes.size())))
                            .set("hash", common::base64Encode(common::sha1(bytes)))
                            .set("title", m.title)
                            .set("creation", m.authoredAt))
                   .set("format", coding(kIheFormatCode, "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                                         "mimeType Sufficient"))))
      .set("context", Json::object()
                          .set("encounter", Json::array().push(ref("Encounter", s.encounterId)))
                          .set("period", period(*e.start.value, *e.end.value))
                          .set("facilityType", codeable(kTreR02FacilityType, facilityType))
                          .set("practiceSetting", codeable(kTreA01PracticeSetting, "AMBULATOIRE"))
                          .set("related", std::move(related)));
  out.push_back(std::move(doc));
  out.push_back(std::move(binary));
}

std::optional<std::string> authoredText(const std::optional<DateTime>& t) {
  if (!t) return std::nullopt;
  return t->text;
}

Json medicationConcept(const Medication& m) {
  Json codings = Json::array();
  if (m.system.value && *m.system.value != MedicationSystem::kText && m.code) {
    std::string_view system;
    switch (*m.system.value) {
      case MedicationSystem::kUcd:
        system = kUcdSystem;
        break;
      case MedicationSystem::kCip13:
        system = kCip13System;
        break;
      case MedicationSystem::kSms:
        system = kSmsSystem;
        break;
      case MedicationSystem::kText:
        break;
    }
    codings.push(coding(system, *m.code, m.display.value_or("")));
  }
  return Json::object().set("coding", std::move(codings)).set("text", m.display);
}

// The text rendering of a sick-leave notice carried by its PRESC-AAT DocumentReference (the
// editor API sends the notice as data, not as a file).
std::string sickLeaveText(const SickLeave& l) {
  const bool prolongation = l.type.value == SickLeaveType::kProlongation;
  std::string text = "Avis d'arret de travail";
  text += prolongation ? " (prolongation)" : " (initial)";
  text += " prescrit en teleconsultation\n";
  text += "Du " + l.start.value->toString() + " au " + l.end.value->toString() + " inclus\n";
  if (prolongation && l.ongoingLeaveStart.value) {
    text += "Arret en cours depuis le " + l.ongoingLeaveStart.value->toString() + "\n";
  }
  if (l.partTime) text += std::string("Temps partiel : ") + (*l.partTime ? "oui" : "non") + "\n";
  if (l.reason) text += "Motif : " + *l.reason + "\n";
  if (l.inPersonImpossible && l.inPersonImpossible->justified.value_or(false)) {
    text += "Consultation en presentiel impossible : " +
            l.inPersonImpossible->justification.value_or("") + "\n";
  }
  return text;
}

}  // namespace

void mapReport(const RecordScope& s, const Report& r, std::string_view docId, std::size_t index,
               const FhirMapperOptions& options, std::vector<Built>& out) {
  const Content& c = *r.content;
  DocumentMeta m{kLoinc,  options.reportLoincCode,    options.reportLoincDisplay, "10",
                 r.title, authoredText(r.authoredAt), r.confidentiality,          &r.externalId,
                 {}};
  appendDocument(s, docId, index, code(*c.contentType.value), *c.data, *c.bytes, m, out);
}

void mapPrescription(const RecordScope& s, const Prescription& p, std::string_view docId,
                     std::size_t index, std::vector<Built>& out) {
  const Json group =
      p.prescriptionNumber
          ? identifier(kPrescriptionNumberSystem, *p.prescriptionNumber)
          : identifier(kRfc3986, "urn:uuid:" + s.idOf("document", docId, "prescription"));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const PrescriptionItem& item = p.items[i];
    Built b =
        make("MedicationRequest",
             s.idOf("document", docId, "MedicationRequest/" + std::to_string(i)), docId, index);
    Json dosage = Json::object().set("sequence", Json::integer(1)).set("text", item.dosage);
    if (item.durationDays) {
      dosage.set("timing", Json::object().set(
                               "repeat", Json::object().set(
                                             "boundsDuration",
                                             Json::object()
                                                 .set("value", Json::integer(*item.durationDays))
                                                 .set("unit", "d")
                                                 .set("system", kUcum)
                                                 .set("code", "d"))));
    }
    // An item's business identifier: the prescription's externalId and the line number.
    if (p.externalId) {
      b.json.set("identifier", Json::array().push(externalIdentifier(
                                   s, *p.externalId + "-" + std::to_string(i + 1))));
    }
    b.json.set("status", "active")
        .set("intent", "order")
        .set("medicationCodeableConcept", medicationConcept(*item.medication))
        .set("subject", ref("Patient", s.patientId))
        .set("encounter", ref("Encounter", s.encounterId))
        .set("authoredOn", authoredText(p.authoredAt))
        .set("requester", ref("Practitioner", s.practitionerId))
        .set("groupIdentifier", group)
        .set("dosageInstruction", Json::array().push(std::move(dosage)));
    if (item.quantity) {
      b.json.set("dispenseRequest",
                 Json::object().set(
                     "quantity", Json::object().set("value", Json::number(item.quantity->text()))));
    }
    if (item.substitutable) {
      b.json.set("substitution", Json::object().set("allowedBoolean", *item.substitutable));
    }
    items.push_back(b.reference());
    out.push_back(std::move(b));
  }
  if (p.content && p.content->bytes) {
    const Content& c = *p.content;
    DocumentMeta m{kLoinc,
                   "57833-6",
                   "Prescription for medication",
                   "42",
                   "Ordonnance",
                   authoredText(p.authoredAt),
                   Confidentiality::kNormal,
                   &p.externalId,
                   items};
    appendDocument(s, docId, index, code(*c.contentType.value), *c.data, *c.bytes, m, out);
  }
}

void mapSickLeave(const RecordScope& s, const SickLeave& l, std::string_view docId,
                  std::size_t index, std::vector<Built>& out) {
  const bool prolongation = l.type.value == SickLeaveType::kProlongation;
  Built b = make("ServiceRequest", s.idOf("document", docId, "ServiceRequest"), docId, index);
  Json extensions = Json::array();
  if (prolongation && l.ongoingLeaveStart.value) {
    extensions.push(Json::object()
                        .set("url", kOngoingLeaveStartExtension)
                        .set("valueDate", l.ongoingLeaveStart.value->toString()));
  }
  if (l.inPersonImpossible && l.inPersonImpossible->justified) {
    extensions.push(
        Json::object()
            .set("url", kInPersonImpossibleExtension)
            .set("extension",
                 Json::array()
                     .push(Json::object()
                               .set("url", "justified")
                               .set("valueBoolean", *l.inPersonImpossible->justified))
                     .push(Json::object()
                               .set("url", "justification")
                               .set("valueString", l.inPersonImpossible->justification))));
  }
  Json details =
      Json::array()
          .push(codeable(kSickLeaveSystem, code(*l.type.value)))
          .push(codeable(kSickLeaveSystem, "teleconsultation", "Prescrit en téléconsultation"));
  if (l.partTime.value_or(false)) details.push(codeable(kSickLeaveSystem, "part-time"));
  b.json.set("extension", std::move(extensions))
      .set("identifier", Json::array().push(externalIdentifier(s, l.externalId)))
      .set("status", "active")
      .set("intent", "order")
      .set("code",
           codeable(kSickLeaveSystem, "sick-leave", "Arrêt de travail", "Avis d'arrêt de travail"))
      .set("orderDetail", std::move(details))
      .set("subject", ref("Patient", s.patientId))
      .set("encounter", ref("Encounter", s.encounterId))
      .set("occurrencePeriod", Json::object()
                                   .set("start", l.start.value->toString())
                                   .set("end", l.end.value->toString()))
      .set("requester", ref("Practitioner", s.practitionerId));
  if (l.reason) b.json.set("reasonCode", Json::array().push(textConcept(*l.reason)));
  const std::string request = b.reference();
  out.push_back(std::move(b));

  const std::string text = sickLeaveText(l);
  DocumentMeta m{kTreA05ComplementaryType,
                 "PRESC-AAT",
                 "",
                 "42",
                 "Avis d'arrêt de travail",
                 std::nullopt,
                 Confidentiality::kNormal,
                 &l.externalId,
                 {request}};
  appendDocument(s, docId, index, "text/plain", common::base64Encode(text), text, m, out);
}

}  // namespace fhirgw::mappings::fhirmap
