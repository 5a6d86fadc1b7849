#include "fhirgw/domain/body_parser.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/text.hpp"
#include "fhirgw/common/url.hpp"
#include "fhirgw/domain/body_path.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/fhir/primitives.hpp"

namespace fhirgw::domain {
namespace {

using common::FieldReader;
using common::FieldValue;
using common::Json;
using common::JsonKind;
using fhir::Issue;
using fhir::IssueSeverity;

/// The JSON kinds in the French of the end user's texts (the English names are common's).
constexpr common::CodeTable<JsonKind, 6> kJsonKindNamesFr{{{
    {JsonKind::kNull, "null"},
    {JsonKind::kBool, "un booléen"},
    {JsonKind::kNumber, "un nombre"},
    {JsonKind::kString, "une chaîne de caractères"},
    {JsonKind::kObject, "un objet"},
    {JsonKind::kArray, "un tableau"},
}}};

/// How the body's problems become issues (editor-api.md): a value of the wrong JSON kind is a
/// `structure` error kept apart (the answer is 400), the data issues (`required`, `value`,
/// `too-long`) answer 422, an unknown member is a warning; a JSON null reads as absent.
class BodyIssues : public common::FieldPolicy {
 public:
  BodyIssues(std::vector<Issue>& issues, std::vector<Issue>& typeErrors)
      : issues_(issues), typeErrors_(typeErrors) {}

  // common::FieldPolicy. The body reads only by kind, so `expected` is a kind's name.
  void wrongValue(const std::string& path, std::string_view expected, const FieldValue& got,
                  common::Shown /*shown*/) override {
    const std::optional<JsonKind> wanted = common::kJsonKindNames.parse(expected);
    const JsonKind actual = got.json != nullptr ? got.json->kind() : JsonKind::kNull;
    structure(
        path,
        "Type JSON incorrect (attendu : " +
            std::string(wanted ? kJsonKindNamesFr.code(*wanted) : expected) +
            " ; reçu : " + std::string(kJsonKindNamesFr.code(actual)) + ").",
        "expected " + std::string(expected) + ", got " + std::string(common::jsonKindName(actual)));
  }
  void missing(const std::string& path) override {
    issues_.push_back(Issue{.severity = IssueSeverity::kError,
                            .code = "required",
                            .detailsText = "Champ obligatoire manquant ou vide.",
                            .diagnostics = "required field is missing or empty",
                            .expression = path});
  }
  /// Unknown members are ignored with a warning: editors running an older or newer client keep
  /// working, and see what the gateway did not read.
  void unknownKey(const std::string& path, std::string_view key) override {
    issues_.push_back(Issue{.severity = IssueSeverity::kWarning,
                            .code = "structure",
                            .detailsText = "Champ inconnu, ignoré par la passerelle.",
                            .diagnostics = "unknown field '" + std::string(key) + "' ignored",
                            .expression = path});
  }
  /// Not reported: a request's parse refuses a name given twice, and a stored body (read as it
  /// was accepted) keeps the first, which every getter reads.
  void duplicateKey(const std::string& /*path*/) override {}
  void error(const std::string& path, std::string_view message) override {
    invalid(path, std::string(message), std::string(message));
  }
  bool nullIsAbsent() const override { return true; }

  /// A shape error: the HTTP layer answers 400 for these.
  void structure(const std::string& path, std::string fr, std::string en) {
    typeErrors_.push_back(Issue{.severity = IssueSeverity::kError,
                                .code = "structure",
                                .detailsText = std::move(fr),
                                .diagnostics = std::move(en),
                                .expression = path});
  }
  /// A value outside what the field takes.
  void invalid(const std::string& path, std::string fr, std::string en) {
    issues_.push_back(Issue{.severity = IssueSeverity::kError,
                            .code = "value",
                            .detailsText = std::move(fr),
                            .diagnostics = std::move(en),
                            .expression = path});
  }
  /// A text longer than its field takes.
  void tooLong(const std::string& path, std::size_t limit) {
    issues_.push_back(
        Issue{.severity = IssueSeverity::kError,
              .code = "too-long",
              .detailsText = "Texte trop long (au plus " + std::to_string(limit) + " octets).",
              .diagnostics = "text longer than " + std::to_string(limit) + " bytes",
              .expression = path});
  }

 private:
  std::vector<Issue>& issues_;
  std::vector<Issue>& typeErrors_;
};

/// Longest text accepted in a field, in bytes of UTF-8, by member name: far below FHIR's 1 MiB
/// string limit, so an oversized value is refused here at its body path (422) rather than by the
/// mapper at a FHIR path (500). `content.data` is not checked here (Fields::checkText).
std::size_t maxTextBytes(std::string_view key) {
  static constexpr std::pair<std::string_view, std::size_t> kLimits[] = {
      {"dosage", kMaxFreeTextBytes},
      {"reason", kMaxFreeTextBytes},
      {"justification", kMaxFreeTextBytes},
      {"durationJustification", kMaxFreeTextBytes},
      {"title", kMaxLabelBytes},
      {"display", kMaxLabelBytes},
      {"name", kMaxLabelBytes},
      {"line", kMaxLabelBytes},
      {"city", kMaxLabelBytes},
      {"family", kMaxNameBytes},
      {"given", kMaxNameBytes},
      {"fhirEndpoint", kMaxUrlBytes},
      {"mssanteAddress", kMaxMailboxBytes},
      {"telecom", kMaxMailboxBytes},
      {"externalId", kMaxExternalIdBytes},
  };
  for (const auto& [name, limit] : kLimits) {
    if (name == key) return limit;
  }
  return kMaxCodeBytes;
}

/// Free-text fields may hold line breaks and tabs; every other field is one line.
bool isMultiLine(std::string_view key) {
  return key == "dosage" || key == "reason" || key == "justification" ||
         key == "durationJustification";
}

/// One object of the body: common::FieldReader with the body's checks on every text (length by
/// member, control characters). Every getter reports a wrong kind as a type error and then
/// behaves as if the field were absent.
class Fields {
 public:
  Fields(const Json* object, std::string path, BodyIssues& issues)
      : r_(object, std::move(path), issues), issues_(issues) {}
  Fields(FieldReader reader, BodyIssues& issues) : r_(std::move(reader)), issues_(issues) {}

  bool present() const { return r_.present(); }
  /// The path of a member.
  std::string at(std::string_view key) const { return r_.keyPath(key); }
  BodyIssues& issues() { return issues_; }
  FieldReader& reader() { return r_; }

  /// Warns about the members not in `known`, in document order, before anything is read.
  void known(std::initializer_list<std::string_view> keys) { r_.reportUnknownKeys(keys); }
  /// True when the member is there and not null (null means absent for every field).
  bool has(std::string_view key) {
    const Json* v = r_.take(key);
    return v != nullptr && !v->isNull();
  }
  /// The member's JSON value as given (null when absent), for a field of more than one kind.
  const Json* value(std::string_view key) {
    const Json* v = r_.take(key);
    return v != nullptr && v->isNull() ? nullptr : v;
  }

  Fields object(std::string_view key) { return {r_.object(key), issues_}; }
  const Json* array(std::string_view key) { return r_.value(key, JsonKind::kArray); }

  std::optional<std::string> string(std::string_view key) {
    std::optional<std::string> text = r_.string(key);
    if (text) checkText(key, *text, [&] { return at(key); });
    return text;
  }

  std::optional<bool> boolean(std::string_view key) { return r_.boolean(key); }

  /// A JSON number's text exactly as written.
  std::optional<std::string> number(std::string_view key) { return r_.numberText(key); }

  /// A decimal given as a string (the spec) or as a JSON number (accepted: its digits are kept
  /// as written). Anything else is a type error.
  std::optional<std::string> decimalText(std::string_view key) {
    const Json* v = value(key);
    if (v == nullptr) return std::nullopt;
    if (v->isNumber()) return number(key);
    return string(key);
  }

  /// An array of strings; wrong elements are type errors and skipped.
  std::optional<std::vector<std::string>> strings(std::string_view key) {
    const Json* v = array(key);
    if (v == nullptr) return std::nullopt;
    const std::string path = at(key);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v->items().size(); ++i) {
      const Json& e = v->items()[i];
      if (!e.isString()) {
        issues_.wrongValue(indexPath(path, i), common::jsonKindName(JsonKind::kString),
                           FieldValue{&e, {}, {}}, common::Shown::kValue);
        continue;
      }
      out.push_back(e.text());
      checkText(key, out.back(), [&] { return indexPath(path, i); });
    }
    return out;
  }

  /// A rule-checked enumerated field: kept as text plus the parsed value.
  template <typename T, typename Parse>
  Field<T> field(std::string_view key, Parse parse) {
    Field<T> out;
    out.text = string(key);
    if (out.text) out.value = parse(*out.text);
    return out;
  }

  /// A parser-owned enumerated field: a value outside the table is a `value` error.
  template <typename T, std::size_t N>
  std::optional<T> code(std::string_view key, const common::CodeTable<T, N>& codes) {
    const std::optional<std::string> text = string(key);
    if (!text) return std::nullopt;
    std::optional<T> value = codes.parse(*text);
    if (!value) notOneOf(key, *text, codes);
    return value;
  }

  /// The `value` error of a code outside its table; the list is the table's, in its order.
  template <typename T, std::size_t N>
  void notOneOf(std::string_view key, std::string_view text, const common::CodeTable<T, N>& codes) {
    const std::string allowed = codes.join(", ");
    invalid(key, "Valeur non reconnue ; valeurs possibles : " + allowed + ".",
            "'" + std::string(text) + "' is not one of: " + allowed);
  }

  /// A required text field: missing or blank is a `required` error.
  std::string requiredString(std::string_view key) {
    const bool present = has(key);
    std::optional<std::string> s = string(key);
    if (!s || isBlank(*s)) {
      if (!present || s) missing(key);  // a type error already said what is wrong
      return {};
    }
    return *s;
  }

  void missing(std::string_view key) { issues_.missing(at(key)); }
  void invalid(std::string_view key, std::string fr, std::string en) {
    issues_.invalid(at(key), std::move(fr), std::move(en));
  }

 private:
  /// Length and character checks of one text value; the value is kept (the request fails with
  /// 422 anyway), so that no rule reports it a second time as missing. pathOf() gives the
  /// value's path, built only for an issue.
  template <typename PathOf>
  void checkText(std::string_view key, std::string_view text, PathOf pathOf) {
    if (key == "data") return;  // base64: DOC-CONTENT checks it and its size
    if (const std::size_t limit = maxTextBytes(key); text.size() > limit) {
      issues_.tooLong(pathOf(), limit);
      return;
    }
    const bool multiLine = isMultiLine(key);
    if (const std::size_t at = common::controlCharacterAt(text, multiLine);
        at != std::string_view::npos) {
      issues_.invalid(pathOf(), "Caractère de contrôle interdit dans ce champ.",
                      "control character at byte " + std::to_string(at) +
                          (multiLine ? " (only tab, CR and LF are allowed)"
                                     : " (a one-line field takes none)"));
    }
  }

  FieldReader r_;
  BodyIssues& issues_;
};

// ---- shared pieces ---------------------------------------------------------------------------

std::optional<std::string> optionalText(Fields& f, std::string_view key) {
  std::optional<std::string> s = f.string(key);
  if (s && isBlank(*s)) {
    f.invalid(key, "Le champ est vide.", "field is empty");
    return std::nullopt;
  }
  return s;
}

void checkMailbox(Fields& f, const std::optional<std::string>& address, std::string_view key) {
  if (!address) return;
  const auto at = address->find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address->size() ||
      address->find('@', at + 1) != std::string::npos) {
    f.invalid(key, "Adresse de messagerie invalide.", "not a mail address (local@domain)");
  }
}

/// Values that become FHIR codes must have the R4 `code` form (no leading, trailing or repeated
/// whitespace), so that a free-form specialty cannot make the mapped resources invalid.
void checkCodeForm(Fields& f, std::string_view code, std::string_view key) {
  if (!fhir::matchesR4Regex("code", code)) {
    f.invalid(key, "Code invalide (pas d'espace en tête, en fin ni double).",
              "not a FHIR code: no leading, trailing or repeated whitespace");
  }
}

std::vector<std::string> names(Fields& f, bool required) {
  std::optional<std::vector<std::string>> given = f.strings("given");
  if (!given) {
    if (required && !f.has("given")) f.missing("given");
    return {};
  }
  return *given;
}

Recipients readRecipients(Fields& parent) {
  Recipients out;
  Fields f = parent.object("recipients");
  if (!f.present()) return out;
  f.known({"dmp", "treatingPhysician", "patient"});
  out.dmp = f.boolean("dmp");
  out.treatingPhysician = f.boolean("treatingPhysician");
  out.patient = f.boolean("patient");
  return out;
}

std::optional<Content> readContent(Fields& parent) {
  Fields f = parent.object("content");
  if (!f.present()) return std::nullopt;
  f.known({"contentType", "data"});
  Content out;
  out.contentType = f.field<ContentType>("contentType", parseContentType);
  out.data = f.string("data");
  if (out.data) out.bytes = common::base64Decode(*out.data);
  return out;
}

std::optional<fhir::DateTime> requiredDateTime(Fields& f, std::string_view key) {
  const bool present = f.has(key);
  const std::optional<std::string> text = f.string(key);
  if (!present) {
    f.missing(key);
    return std::nullopt;
  }
  if (!text) return std::nullopt;
  std::optional<fhir::DateTime> dt = fhir::DateTime::parse(*text);
  if (!dt) {
    f.invalid(key, "Date et heure invalides (attendu : AAAA-MM-JJThh:mm:ss+hh:mm).",
              "not an RFC 3339 date-time with offset");
  }
  return dt;
}

Field<fhir::Date> dateField(Fields& f, std::string_view key) {
  return f.field<fhir::Date>(key, fhir::Date::parse);
}

// ---- documents -------------------------------------------------------------------------------

Report readReport(Fields& f) {
  f.known(
      {"kind", "externalId", "title", "authoredAt", "content", "confidentiality", "recipients"});
  Report out;
  out.externalId = optionalText(f, "externalId");
  out.title = f.requiredString("title");
  out.authoredAt = requiredDateTime(f, "authoredAt");
  out.content = readContent(f);
  out.confidentiality =
      f.code("confidentiality", kConfidentialityCodes).value_or(Confidentiality::kNormal);
  out.recipients = readRecipients(f);
  return out;
}

std::optional<std::int64_t> positiveInteger(Fields& f, std::string_view key) {
  const std::optional<std::string> text = f.number(key);
  if (!text) return std::nullopt;
  const bool digitsOnly =
      !text->empty() && text->size() <= 6 &&
      std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::int64_t n = digitsOnly ? std::stoll(*text) : 0;
  if (n <= 0) {
    f.invalid(key, "Un nombre entier positif est attendu.",
              "expected a positive whole number (at most 6 digits)");
    return std::nullopt;
  }
  return n;
}

PrescriptionItem readItem(Fields& f) {
  f.known({"medication", "dosage", "durationDays", "quantity", "substitutable"});
  PrescriptionItem out;
  if (Fields m = f.object("medication"); m.present()) {
    m.known({"system", "code", "display"});
    Medication med;
    med.system = m.field<MedicationSystem>("system", parseMedicationSystem);
    med.code = m.string("code");
    med.display = m.string("display");
    out.medication = std::move(med);
  }
  out.dosage = f.string("dosage");
  out.durationDays = positiveInteger(f, "durationDays");
  if (const std::optional<std::string> q = f.number("quantity")) {
    out.quantity = Decimal::parse(*q);
    if (!out.quantity || out.quantity->isNegative() || out.quantity->isZero()) {
      f.invalid("quantity",
                "Une quantité positive est attendue (au plus " +
                    std::to_string(Decimal::kMaxDigits) + " chiffres).",
                "expected a positive decimal without exponent, at most " +
                    std::to_string(Decimal::kMaxDigits) + " digits");
      out.quantity.reset();
    }
  }
  out.substitutable = f.boolean("substitutable");
  return out;
}

Prescription readPrescription(Fields& f) {
  f.known(
      {"kind", "externalId", "authoredAt", "prescriptionNumber", "items", "content", "recipients"});
  Prescription out;
  out.externalId = optionalText(f, "externalId");
  out.authoredAt = requiredDateTime(f, "authoredAt");
  out.prescriptionNumber = optionalText(f, "prescriptionNumber");
  if (const Json* items = f.array("items")) {
    out.itemsPresent = true;
    const std::string itemsPath = f.at("items");
    for (std::size_t i = 0; i < items->items().size(); ++i) {
      Fields item(&items->items()[i], indexPath(itemsPath, i), f.issues());
      if (item.present()) out.items.push_back(readItem(item));
    }
  }
  out.content = readContent(f);
  out.recipients = readRecipients(f);
  return out;
}

SickLeave readSickLeave(Fields& f) {
  f.known({"kind", "externalId", "type", "start", "end", "ongoingLeaveStart", "partTime", "reason",
           "inPersonImpossible", "durationJustification", "recipients"});
  SickLeave out;
  out.externalId = optionalText(f, "externalId");
  out.type = f.field<SickLeaveType>("type", parseSickLeaveType);
  out.start = dateField(f, "start");
  out.end = dateField(f, "end");
  out.ongoingLeaveStart = dateField(f, "ongoingLeaveStart");
  out.partTime = f.boolean("partTime");
  out.reason = f.string("reason");
  if (Fields ip = f.object("inPersonImpossible"); ip.present()) {
    ip.known({"justified", "justification"});
    std::optional<bool> justified = ip.boolean("justified");
    out.inPersonImpossible = InPersonImpossible{justified, ip.string("justification")};
  }
  // Owned by AAT-DURATION-CAP: a blank text is kept and counts as no justification there.
  out.durationJustification = f.string("durationJustification");
  out.recipients = readRecipients(f);
  return out;
}

/// A document needs a known `kind` before any other field can be typed, so a missing or unknown
/// kind is a shape error (400) like a wrong JSON type, not a data issue.
std::optional<Document> readDocument(Fields& f) {
  if (!f.present()) return std::nullopt;  // not an object: reported
  const std::string kindPath = f.at("kind");
  if (!f.has("kind")) {
    f.issues().structure(kindPath,
                         "Le champ kind est obligatoire (report, prescription ou sick-leave).",
                         "missing document kind: report, prescription, sick-leave");
    return std::nullopt;
  }
  const std::optional<std::string> kind = f.reader().string("kind");
  if (!kind) return std::nullopt;
  const std::string_view k = *kind;
  if (k == "report") return readReport(f);
  if (k == "prescription") return readPrescription(f);
  if (k == "sick-leave") return readSickLeave(f);
  f.issues().structure(
      kindPath, "Type de document inconnu (report, prescription ou sick-leave).",
      "unknown document kind '" + std::string(k) + "': report, prescription, sick-leave");
  return std::nullopt;
}

// ---- teleconsultation ------------------------------------------------------------------------

Ins readIns(Fields& f) {
  f.known({"value", "oid", "status"});
  Ins ins;
  ins.value = f.string("value");
  ins.oid = f.string("oid");
  ins.status = f.field<InsStatus>("status", parseInsStatus);
  return ins;
}

Patient readPatient(Fields& f) {
  f.known({"ins", "family", "given", "birthDate", "gender", "birthPlaceInsee", "address", "telecom",
           "residence", "priorityZone", "dmpConsent"});
  Patient p;
  if (Fields ins = f.object("ins"); ins.present()) p.ins = readIns(ins);
  // With a qualified INS the identity traits belong to ID-INS-TRAITS (rules.md).
  const bool traitsByRule = p.ins && p.ins->status.text == std::string("qualified");

  p.family = f.string("family");
  if (!traitsByRule && (!p.family || isBlank(*p.family)) && (!f.has("family") || p.family)) {
    f.missing("family");
  }
  p.given = names(f, !traitsByRule);
  p.birthDate = dateField(f, "birthDate");
  p.gender = f.field<Gender>("gender", parseGender);
  p.birthPlaceInsee = f.string("birthPlaceInsee");
  if (!traitsByRule) {
    if (!f.has("birthDate")) f.missing("birthDate");
    if (p.birthDate.present() && !p.birthDate.valid()) {
      f.invalid("birthDate", "Date invalide (attendu : AAAA-MM-JJ).", "not a YYYY-MM-DD date");
    }
    if (!f.has("gender")) f.missing("gender");
    if (p.gender.present() && !p.gender.valid()) {
      f.notOneOf("gender", *p.gender.text, kGenderCodes);
    }
    if (p.birthPlaceInsee && !fhir::fr::isInseeCommuneCode(*p.birthPlaceInsee)) {
      f.invalid("birthPlaceInsee", "Code commune INSEE invalide (5 caractères).",
                "not a 5-character INSEE commune code");
    }
  }

  if (Fields a = f.object("address"); a.present()) {
    a.known({"line", "postalCode", "city"});
    Address address;
    address.lines = a.strings("line").value_or(std::vector<std::string>{});
    address.postalCode = a.string("postalCode");
    address.city = a.string("city");
    p.address = std::move(address);
  }
  p.telecom = f.strings("telecom").value_or(std::vector<std::string>{});
  p.residence = f.code("residence", kResidenceCodes).value_or(Residence::kHome);
  p.priorityZone = f.boolean("priorityZone").value_or(false);
  p.dmpConsent = f.boolean("dmpConsent").value_or(true);
  return p;
}

Practitioner readPractitioner(Fields& f) {
  f.known({"rpps", "family", "given", "specialty", "postalCode", "mssanteAddress", "organization",
           "relationToPatient", "conventionSector", "practisesMainlyAbroad"});
  Practitioner p;
  p.rpps = f.string("rpps");
  p.family = f.requiredString("family");
  p.given = names(f, true);
  p.specialty = f.requiredString("specialty");
  if (!p.specialty.empty()) checkCodeForm(f, p.specialty, "specialty");
  p.postalCode = f.string("postalCode");
  p.mssanteAddress = f.string("mssanteAddress");
  checkMailbox(f, p.mssanteAddress, "mssanteAddress");

  if (Fields o = f.object("organization"); o.present()) {
    o.known({"finess", "siret", "name", "facilityType"});
    Organization org;
    org.finess = optionalText(o, "finess");
    // Shapes only (rules.md): what FR Core's Organization identifiers require, so a wrong one is
    // the editor's 422 rather than the mapper's 500.
    if (org.finess && !fhir::fr::isFinessNumber(*org.finess)) {
      o.invalid("finess",
                "Numéro FINESS invalide (9 caractères : chiffres, 2A ou 2B en tête pour la Corse).",
                "a FINESS number is 9 characters: digits, or 2A/2B then 7 digits");
    }
    org.siret = optionalText(o, "siret");
    if (org.siret && !fhir::fr::isSiretNumber(*org.siret)) {
      o.invalid("siret", "Numéro SIRET invalide (14 chiffres).", "a SIRET number is 14 digits");
    }
    org.name = o.requiredString("name");
    org.facilityType = optionalText(o, "facilityType").value_or("SA07");
    checkCodeForm(o, org.facilityType, "facilityType");
    p.organization = std::move(org);
  }

  // Several rules read the relation (pathway, territory, sick leave, activity cap): no single
  // rule owns it, so the parser reports it like any required field.
  if (!f.has("relationToPatient")) f.missing("relationToPatient");
  p.relationToPatient = f.code("relationToPatient", kRelationCodes).value_or(Relation::kOther);
  // Read by BILL-ACT only when there is a billing: the parser reports an unlisted value, so it
  // is refused (422) with or without a billing.
  p.conventionSector = f.code("conventionSector", kConventionSectorCodes);
  p.practisesMainlyAbroad = f.boolean("practisesMainlyAbroad").value_or(false);
  return p;
}

TreatingPhysician readTreatingPhysician(Fields& f) {
  f.known({"rpps", "family", "given", "mssanteAddress", "fhirEndpoint"});
  TreatingPhysician t;
  t.rpps = f.string("rpps");
  t.family = f.requiredString("family");
  t.given = names(f, true);
  t.mssanteAddress = f.string("mssanteAddress");
  checkMailbox(f, t.mssanteAddress, "mssanteAddress");
  t.fhirEndpoint = optionalText(f, "fhirEndpoint");
  if (t.fhirEndpoint) {
    // Parsed as the connector will parse it (libcurl's URL API): a URL with dot segments,
    // encoded slashes or user info could escape an allow-list, so it is refused here, at intake,
    // rather than accepted with a delivery that can never succeed.
    if (auto url = common::parseHttpUrl(*t.fhirEndpoint); !url) {
      f.invalid("fhirEndpoint",
                "URL invalide : une adresse http(s) absolue sans segments « . » ou « .. », sans "
                "barres obliques encodées ni identifiants est attendue.",
                url.error().message());
    }
  }
  return t;
}

Encounter readEncounter(Fields& f) {
  f.known({"start", "end", "channel", "consent", "orientation", "lastInPersonVisit",
           "territorialOrganisation", "assistedBy", "patientLocation"});
  Encounter e;
  e.start = f.field<fhir::DateTime>("start", fhir::DateTime::parse);
  e.end = f.field<fhir::DateTime>("end", fhir::DateTime::parse);
  e.channel = f.field<Channel>("channel", parseChannel);
  if (Fields c = f.object("consent"); c.present()) {
    c.known({"obtained", "at"});
    Consent consent;
    consent.obtained = c.boolean("obtained");
    consent.at = c.field<fhir::DateTime>("at", fhir::DateTime::parse);
    e.consent = std::move(consent);
  }
  e.orientation = f.field<Orientation>("orientation", parseOrientation);
  e.lastInPersonVisit = dateField(f, "lastInPersonVisit");
  e.territorialOrganisation = f.boolean("territorialOrganisation").value_or(false);

  if (Fields a = f.object("assistedBy"); a.present()) {
    a.known({"profession", "rpps"});
    AssistedBy ab;
    if (!a.has("profession")) a.missing("profession");
    ab.profession =
        a.code("profession", kAssistantProfessionCodes).value_or(AssistantProfession::kNurse);
    ab.rpps = a.string("rpps");
    e.assistedBy = std::move(ab);
  }
  if (Fields l = f.object("patientLocation"); l.present()) {
    l.known({"kind", "postalCode"});
    PatientLocation loc;
    if (!l.has("kind")) l.missing("kind");
    loc.kind = l.code("kind", kPatientLocationKindCodes).value_or(PatientLocationKind::kOther);
    loc.postalCode = l.string("postalCode");
    e.patientLocation = std::move(loc);
  }
  return e;
}

Billing readBilling(Fields& f) {
  f.known({"act", "amount", "majorations", "ald", "thirdPartyPayment"});
  Billing b;
  b.act = f.string("act");
  b.amount.text = f.decimalText("amount");
  if (b.amount.text) {
    // An amount that is not a decimal cannot be billed at all: an input error, not the
    // BILL-AMOUNT comparison with the tariff (which a configuration could lower to a warning).
    b.amount.value = Decimal::parse(*b.amount.text);
    if (!b.amount.value || b.amount.value->isNegative()) {
      f.invalid("amount",
                "Montant invalide : un nombre décimal positif ou nul est attendu, par exemple "
                "\"25.00\" (au plus " +
                    std::to_string(Decimal::kMaxDigits) + " chiffres).",
                "expected a non-negative decimal such as \"25.00\" (no exponent, at most " +
                    std::to_string(Decimal::kMaxDigits) + " digits)");
      b.amount.value.reset();
    }
  }
  b.majorations = f.strings("majorations").value_or(std::vector<std::string>{});
  b.ald = f.boolean("ald").value_or(false);
  b.thirdPartyPayment =
      f.code("thirdPartyPayment", kThirdPartyPaymentCodes).value_or(ThirdPartyPayment::kNone);
  return b;
}

void checkDuplicateExternalIds(BodyIssues& issues, const Teleconsultation& t) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < t.documents.size(); ++i) {
    const std::optional<std::string>& id = documentExternalId(t.documents[i]);
    if (!id) continue;
    if (!seen.emplace(*id, i).second) {
      issues.invalid(joinPath(indexPath("documents", i), "externalId"),
                     "Identifiant externe déjà utilisé par un autre document de la requête.",
                     "externalId repeats documents[" + std::to_string(seen[*id]) + "].externalId");
    }
  }
}

}  // namespace

TeleconsultationParse parseTeleconsultation(const common::Json& body) {
  TeleconsultationParse out;
  BodyIssues issues(out.issues, out.typeErrors);
  Fields f(&body, "", issues);
  if (!f.present()) return out;  // not an object: reported
  f.known({"externalId", "patient", "practitioner", "treatingPhysician", "encounter", "billing",
           "documents"});
  Teleconsultation& t = out.record;
  t.externalId = optionalText(f, "externalId");

  if (Fields p = f.object("patient"); p.present()) {
    t.patient = readPatient(p);
  } else if (!f.has("patient")) {
    f.missing("patient");
  }
  if (Fields p = f.object("practitioner"); p.present()) {
    t.practitioner = readPractitioner(p);
  } else if (!f.has("practitioner")) {
    f.missing("practitioner");
  }
  if (Fields tp = f.object("treatingPhysician"); tp.present()) {
    t.treatingPhysician = readTreatingPhysician(tp);
  }
  // A missing encounter is not reported here: each of its fields belongs to a rule (TLC-*).
  if (Fields e = f.object("encounter"); e.present()) t.encounter = readEncounter(e);
  if (Fields b = f.object("billing"); b.present()) t.billing = readBilling(b);
  if (const Json* docs = f.array("documents")) {
    for (std::size_t i = 0; i < docs->items().size(); ++i) {
      Fields d(&docs->items()[i], indexPath("documents", i), issues);
      if (std::optional<Document> document = readDocument(d)) {
        t.documents.push_back(std::move(*document));
      }
    }
    checkDuplicateExternalIds(issues, t);
  }
  return out;
}

TeleconsultationParse parseTeleconsultation(const common::JsonDocument& body) {
  return parseTeleconsultation(common::Json::fromDocument(body, body.root()));
}

DocumentParse parseDocument(const common::Json& body, std::string_view basePath) {
  DocumentParse out;
  BodyIssues issues(out.issues, out.typeErrors);
  Fields f(&body, std::string(basePath), issues);
  if (std::optional<Document> d = readDocument(f)) out.record = std::move(*d);
  return out;
}

DocumentParse parseDocument(const common::JsonDocument& body, std::string_view basePath) {
  return parseDocument(common::Json::fromDocument(body, body.root()), basePath);
}

}  // namespace fhirgw::domain
