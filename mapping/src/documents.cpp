// Document resources: DocumentReference + Binary for reports and PDFs, MedicationRequest per
// prescription item, ServiceRequest + DocumentReference (PRESC-AAT) for a sick-leave notice.
#include "builders.hpp"
#include "codes.hpp"
#include "fhirgw/common/crypto.hpp"

namespace fhirgw::mapping {
namespace {

Built make(std::string type, std::string id, std::string_view docId, std::size_t index) {
  Built b{std::move(type), std::move(id), Json::object(), index, std::string(docId)};
  b.json.setIfPresent("resourceType", b.type).setIfPresent("id", b.id);
  return b;
}

Json externalIdentifier(const RecordScope& s, const std::optional<std::string>& externalId) {
  if (!externalId) return {};
  return identifier(kExternalIdSystem, *externalId)
      .setIfPresent("assigner", Json::object().setIfPresent(
                                    "identifier", identifier(kClientSystem, s.ctx.clientId)));
}

/// What a DocumentReference says about its content and context.
struct DocumentMeta {
  std::string_view typeSystem;
  std::string_view typeCode;
  std::string_view typeDisplay;
  std::string_view classCode;  // TRE_A03
  std::string title;
  std::optional<std::string> authoredAt;  // attachment.creation
  domain::Confidentiality confidentiality = domain::Confidentiality::kNormal;
  const std::optional<std::string>* externalId = nullptr;
  std::vector<std::string> related;  // "Type/id" of the resources the document renders
};

// Appends the Binary holding `bytes` and the DocumentReference describing it.
void appendDocument(const RecordScope& s, std::string_view docId, std::size_t index,
                    std::string_view contentType, const std::string& base64,
                    const std::string& bytes, const DocumentMeta& m, std::vector<Built>& out) {
  Built binary = make("Binary", s.idOf("document", docId, "Binary"), docId, index);
  binary.json.setIfPresent("contentType", contentType).setIfPresent("data", base64);

  Built doc =
      make("DocumentReference", s.idOf("document", docId, "DocumentReference"), docId, index);
  const domain::Encounter& e = s.t.encounter;
  const std::string facilityType = s.t.practitioner.organization
                                       ? s.t.practitioner.organization->facilityType
                                       : std::string("SA07");
  // The act the document documents (FHIR's context.event, the XDS eventCodeList): the record's
  // NGAP teleconsultation act. The DMP's CDA needs it (TLM-CR serviceEvent), and a document
  // delivery carries no ChargeItem.
  Json events = Json::array();
  if (s.t.billing && s.t.billing->act) {
    events.pushIfPresent(codeable(kNgapSystem, *s.t.billing->act, ngapDisplay(*s.t.billing->act)));
  }
  Json related = Json::array();
  for (const std::string& r : m.related)
    related.pushIfPresent(Json::object().setIfPresent("reference", r));
  doc.json.setIfPresent("masterIdentifier", identifier(kRfc3986, "urn:uuid:" + doc.id))
      .setIfPresent("identifier",
                    Json::array().pushIfPresent(
                        m.externalId != nullptr ? externalIdentifier(s, *m.externalId) : Json()))
      .setIfPresent("status", "current")
      .setIfPresent("docStatus", "final")
      .setIfPresent("type", codeable(m.typeSystem, m.typeCode, m.typeDisplay))
      .setIfPresent("category", Json::array().pushIfPresent(codeable(kTreA03Class, m.classCode)))
      .setIfPresent("subject", ref("Patient", s.patientId))
      .setIfPresent("date", s.receivedAt)
      .setIfPresent("author", Json::array().pushIfPresent(ref("Practitioner", s.practitionerId)));
  if (!s.organizationId.empty())
    doc.json.setIfPresent("custodian", ref("Organization", s.organizationId));
  doc.json
      .setIfPresent("securityLabel", Json::array().pushIfPresent(
                                         codeable(kV3Confidentiality, code(m.confidentiality))))
      .setIfPresent(
          "content",
          Json::array().pushIfPresent(
              Json::object()
                  .setIfPresent("attachment",
                                Json::object()
                                    .setIfPresent("contentType", contentType)
                                    .setIfPresent("language", "fr-FR")
                                    .setIfPresent("url", binary.reference())
                                    .setIfPresent("size", Json::integer(static_cast<std::int64_t>(
                                                              bytes.size())))
                                    .setIfPresent("hash", common::base64Encode(common::sha1(bytes)))
                                    .setIfPresent("title", m.title)
                                    .setIfPresent("creation", m.authoredAt))
                  .setIfPresent("format",
                                coding(kIheFormatCode, "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                                       "mimeType Sufficient"))))
      .setIfPresent(
          "context",
          Json::object()
              .setIfPresent("encounter",
                            Json::array().pushIfPresent(ref("Encounter", s.encounterId)))
              .setIfPresent("event", std::move(events))
              .setIfPresent("period", period(*e.start.value, *e.end.value))
              .setIfPresent("facilityType", codeable(kTreR02FacilityType, facilityType))
              .setIfPresent("practiceSetting", codeable(kTreA01PracticeSetting, "AMBULATOIRE"))
              .setIfPresent("related", std::move(related)));
  out.push_back(std::move(doc));
  out.push_back(std::move(binary));
}

std::optional<std::string> authoredText(const std::optional<fhir::DateTime>& t) {
  if (!t) return std::nullopt;
  return t->text;
}

Json medicationConcept(const domain::Medication& m) {
  Json codings = Json::array();
  if (m.system.value && *m.system.value != domain::MedicationSystem::kText && m.code) {
    std::string_view system;
    switch (*m.system.value) {
      case domain::MedicationSystem::kUcd:
        system = kUcdSystem;
        break;
      case domain::MedicationSystem::kCip13:
        system = kCip13System;
        break;
      case domain::MedicationSystem::kSms:
        system = kSmsSystem;
        break;
      case domain::MedicationSystem::kText:
        break;
    }
    codings.pushIfPresent(coding(system, *m.code, m.display.value_or("")));
  }
  return Json::object().setIfPresent("coding", std::move(codings)).setIfPresent("text", m.display);
}

// The text rendering of a sick-leave notice carried by its PRESC-AAT DocumentReference (the
// editor API sends the notice as data, not as a file).
std::string sickLeaveText(const domain::SickLeave& l) {
  const bool prolongation = l.type.value == domain::SickLeaveType::kProlongation;
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

void mapReport(const RecordScope& s, const domain::Report& r, std::string_view docId,
               std::size_t index, const FhirMapperOptions& options, std::vector<Built>& out) {
  const domain::Content& c = *r.content;
  DocumentMeta m{kLoinc,  options.reportLoincCode,    options.reportLoincDisplay, "10",
                 r.title, authoredText(r.authoredAt), r.confidentiality,          &r.externalId,
                 {}};
  appendDocument(s, docId, index, code(*c.contentType.value), *c.data, *c.bytes, m, out);
}

void mapPrescription(const RecordScope& s, const domain::Prescription& p, std::string_view docId,
                     std::size_t index, std::vector<Built>& out) {
  const Json group =
      p.prescriptionNumber
          ? identifier(kPrescriptionNumberSystem, *p.prescriptionNumber)
          : identifier(kRfc3986, "urn:uuid:" + s.idOf("document", docId, "prescription"));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const domain::PrescriptionItem& item = p.items[i];
    Built b =
        make("MedicationRequest",
             s.idOf("document", docId, "MedicationRequest/" + std::to_string(i)), docId, index);
    Json dosage =
        Json::object().setIfPresent("sequence", Json::integer(1)).setIfPresent("text", item.dosage);
    if (item.durationDays) {
      dosage.setIfPresent(
          "timing", Json::object().setIfPresent(
                        "repeat", Json::object().setIfPresent(
                                      "boundsDuration",
                                      Json::object()
                                          .setIfPresent("value", Json::integer(*item.durationDays))
                                          .setIfPresent("unit", "d")
                                          .setIfPresent("system", kUcum)
                                          .setIfPresent("code", "d"))));
    }
    // An item's business identifier: the prescription's externalId and the line number.
    if (p.externalId) {
      b.json.setIfPresent("identifier", Json::array().pushIfPresent(externalIdentifier(
                                            s, *p.externalId + "-" + std::to_string(i + 1))));
    }
    b.json.setIfPresent("status", "active")
        .setIfPresent("intent", "order")
        .setIfPresent("medicationCodeableConcept", medicationConcept(*item.medication))
        .setIfPresent("subject", ref("Patient", s.patientId))
        .setIfPresent("encounter", ref("Encounter", s.encounterId))
        .setIfPresent("authoredOn", authoredText(p.authoredAt))
        .setIfPresent("requester", ref("Practitioner", s.practitionerId))
        .setIfPresent("groupIdentifier", group)
        .setIfPresent("dosageInstruction", Json::array().pushIfPresent(std::move(dosage)));
    if (item.quantity) {
      b.json.setIfPresent("dispenseRequest",
                          Json::object().setIfPresent(
                              "quantity", Json::object().setIfPresent(
                                              "value", Json::number(item.quantity->text()))));
    }
    if (item.substitutable) {
      b.json.setIfPresent("substitution",
                          Json::object().setIfPresent("allowedBoolean", *item.substitutable));
    }
    items.push_back(b.reference());
    out.push_back(std::move(b));
  }
  if (p.content && p.content->bytes) {
    const domain::Content& c = *p.content;
    DocumentMeta m{kLoinc,
                   "57833-6",
                   "Prescription for medication",
                   "42",
                   "Ordonnance",
                   authoredText(p.authoredAt),
                   domain::Confidentiality::kNormal,
                   &p.externalId,
                   items};
    appendDocument(s, docId, index, code(*c.contentType.value), *c.data, *c.bytes, m, out);
  }
}

void mapSickLeave(const RecordScope& s, const domain::SickLeave& l, std::string_view docId,
                  std::size_t index, std::vector<Built>& out) {
  const bool prolongation = l.type.value == domain::SickLeaveType::kProlongation;
  Built b = make("ServiceRequest", s.idOf("document", docId, "ServiceRequest"), docId, index);
  Json extensions = Json::array();
  if (prolongation && l.ongoingLeaveStart.value) {
    extensions.pushIfPresent(Json::object()
                                 .setIfPresent("url", kOngoingLeaveStartExtension)
                                 .setIfPresent("valueDate", l.ongoingLeaveStart.value->toString()));
  }
  if (l.inPersonImpossible && l.inPersonImpossible->justified) {
    extensions.pushIfPresent(
        Json::object()
            .setIfPresent("url", kInPersonImpossibleExtension)
            .setIfPresent(
                "extension",
                Json::array()
                    .pushIfPresent(
                        Json::object()
                            .setIfPresent("url", "justified")
                            .setIfPresent("valueBoolean", *l.inPersonImpossible->justified))
                    .pushIfPresent(
                        Json::object()
                            .setIfPresent("url", "justification")
                            .setIfPresent("valueString", l.inPersonImpossible->justification))));
  }
  Json details = Json::array()
                     .pushIfPresent(codeable(kSickLeaveSystem, code(*l.type.value)))
                     .pushIfPresent(codeable(kSickLeaveSystem, "teleconsultation",
                                             "Prescrit en téléconsultation"));
  if (l.partTime.value_or(false)) details.pushIfPresent(codeable(kSickLeaveSystem, "part-time"));
  b.json.setIfPresent("extension", std::move(extensions))
      .setIfPresent("identifier", Json::array().pushIfPresent(externalIdentifier(s, l.externalId)))
      .setIfPresent("status", "active")
      .setIfPresent("intent", "order")
      .setIfPresent("code", codeable(kSickLeaveSystem, "sick-leave", "Arrêt de travail",
                                     "Avis d'arrêt de travail"))
      .setIfPresent("orderDetail", std::move(details))
      .setIfPresent("subject", ref("Patient", s.patientId))
      .setIfPresent("encounter", ref("Encounter", s.encounterId))
      .setIfPresent("occurrencePeriod", Json::object()
                                            .setIfPresent("start", l.start.value->toString())
                                            .setIfPresent("end", l.end.value->toString()))
      .setIfPresent("requester", ref("Practitioner", s.practitionerId));
  if (l.reason)
    b.json.setIfPresent("reasonCode", Json::array().pushIfPresent(textConcept(*l.reason)));
  const std::string request = b.reference();
  out.push_back(std::move(b));

  const std::string text = sickLeaveText(l);
  DocumentMeta m{kTreA05ComplementaryType,
                 "PRESC-AAT",
                 "",
                 "42",
                 "Avis d'arrêt de travail",
                 std::nullopt,
                 domain::Confidentiality::kNormal,
                 &l.externalId,
                 {request}};
  appendDocument(s, docId, index, "text/plain", common::base64Encode(text), text, m, out);
}

}  // namespace fhirgw::mapping
