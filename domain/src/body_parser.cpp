#include "fhirgw/domain/body_parser.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <utility>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/url.hpp"
#include "fhirgw/domain/body_path.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/fhir/primitives.hpp"

namespace fhirgw::domain {
namespace {

using fhir::Issue;
using fhir::IssueSeverity;
using rapidjson::Value;

/// JSON types as the editor wrote them (numbers are string Values in a parsed document).
enum class JsonType { kNull, kBool, kNumber, kString, kObject, kArray };

std::string_view typeName(JsonType t) {
  switch (t) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return "a boolean";
    case JsonType::kNumber:
      return "a number";
    case JsonType::kString:
      return "a string";
    case JsonType::kObject:
      return "an object";
    case JsonType::kArray:
      return "an array";
  }
  return "?";
}

std::string_view typeNameFr(JsonType t) {
  switch (t) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return "un booléen";
    case JsonType::kNumber:
      return "un nombre";
    case JsonType::kString:
      return "une chaîne de caractères";
    case JsonType::kObject:
      return "un objet";
    case JsonType::kArray:
      return "un tableau";
  }
  return "?";
}

/// Longest text accepted in a field, in bytes of UTF-8, by member name: far below FHIR's 1 MiB
/// string limit, so an oversized value is refused here at its body path (422) rather than by the
/// mapper at a FHIR path (500). `content.data` is not checked here (Reader::checkText).
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

/// The first control character FHIR strings may not hold (below U+0020 except tab, CR and LF,
/// which single-line fields do not take either; DEL too), or npos.
std::size_t controlCharacterAt(std::string_view s, bool multiLine) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x7F) return i;
    if (c >= 0x20) continue;
    if (multiLine && (c == '\t' || c == '\n' || c == '\r')) continue;
    return i;
  }
  return std::string_view::npos;
}

/// Reads values with the editor's JSON types, collecting issues; every accessor reports a wrong
/// type as a type error and then behaves as if the field were absent.
class Reader {
 public:
  Reader(const common::JsonDocument* origin, std::vector<Issue>& issues,
         std::vector<Issue>& typeErrors)
      : origin_(origin), issues_(issues), typeErrors_(typeErrors) {}

  JsonType typeOf(const Value& v) const {
    if (v.IsNull()) return JsonType::kNull;
    if (v.IsBool()) return JsonType::kBool;
    if (v.IsNumber()) return JsonType::kNumber;
    if (v.IsString()) {
      return origin_ != nullptr && origin_->isNumber(v) ? JsonType::kNumber : JsonType::kString;
    }
    if (v.IsObject()) return JsonType::kObject;
    return JsonType::kArray;
  }

  /// The member, or nullptr when absent or null (null means absent for every field).
  static const Value* member(const Value& object, std::string_view key) {
    const auto it = object.FindMember(
        Value(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
    if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }

  bool expect(const Value& v, JsonType wanted, const std::string& path) {
    const JsonType actual = typeOf(v);
    if (actual == wanted) return true;
    typeError(
        path,
        "Type JSON incorrect : " + std::string(typeNameFr(wanted)) + " est attendu, " +
            std::string(typeNameFr(actual)) + " a été reçu.",
        "expected " + std::string(typeName(wanted)) + ", got " + std::string(typeName(actual)));
    return false;
  }

  /// A shape error: the HTTP layer answers 400 for these.
  void typeError(const std::string& path, std::string fr, std::string en) {
    typeErrors_.push_back(Issue{.severity = IssueSeverity::kError,
                                .code = "structure",
                                .detailsText = std::move(fr),
                                .diagnostics = std::move(en),
                                .expression = path});
  }

  const Value* object(const Value& parent, std::string_view key, const std::string& path) {
    const Value* v = member(parent, key);
    return v != nullptr && expect(*v, JsonType::kObject, path) ? v : nullptr;
  }

  const Value* array(const Value& parent, std::string_view key, const std::string& path) {
    const Value* v = member(parent, key);
    return v != nullptr && expect(*v, JsonType::kArray, path) ? v : nullptr;
  }

  std::optional<std::string> string(const Value& parent, std::string_view key,
                                    const std::string& path) {
    const Value* v = member(parent, key);
    if (v == nullptr || !expect(*v, JsonType::kString, path)) return std::nullopt;
    std::string text(v->GetString(), v->GetStringLength());
    checkText(key, text, path);
    return text;
  }

  /// Length and character checks of one text value; the value is kept (the request fails with
  /// 422 anyway), so that no rule reports it a second time as missing.
  void checkText(std::string_view key, std::string_view text, const std::string& path) {
    if (key == "data") return;  // base64: DOC-CONTENT checks it and its size
    if (const std::size_t limit = maxTextBytes(key); text.size() > limit) {
      issues_.push_back(
          Issue{.severity = IssueSeverity::kError,
                .code = "too-long",
                .detailsText = "Texte trop long (au plus " + std::to_string(limit) + " octets).",
                .diagnostics = "text longer than " + std::to_string(limit) + " bytes",
                .expression = path});
      return;
    }
    const bool multiLine = isMultiLine(key);
    if (const std::size_t at = controlCharacterAt(text, multiLine); at != std::string_view::npos) {
      invalid(path, "Caractère de contrôle interdit dans ce champ.",
              "control character at byte " + std::to_string(at) +
                  (multiLine ? " (only tab, CR and LF are allowed)"
                             : " (a one-line field takes none)"));
    }
  }

  std::optional<bool> boolean(const Value& parent, std::string_view key, const std::string& path) {
    const Value* v = member(parent, key);
    if (v == nullptr || !expect(*v, JsonType::kBool, path)) return std::nullopt;
    return v->GetBool();
  }

  /// A JSON number's text exactly as written.
  std::optional<std::string> number(const Value& parent, std::string_view key,
                                    const std::string& path) {
    const Value* v = member(parent, key);
    if (v == nullptr || !expect(*v, JsonType::kNumber, path)) return std::nullopt;
    return v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                         : common::toJsonString(*v);
  }

  /// A decimal given as a string (the spec) or as a JSON number (accepted: its digits are kept
  /// as written). Anything else is a type error.
  std::optional<std::string> decimalText(const Value& parent, std::string_view key,
                                         const std::string& path) {
    const Value* v = member(parent, key);
    if (v == nullptr) return std::nullopt;
    if (typeOf(*v) == JsonType::kNumber) return number(parent, key, path);
    return string(parent, key, path);
  }

  /// An array of strings; wrong elements are type errors and skipped.
  std::optional<std::vector<std::string>> strings(const Value& parent, std::string_view key,
                                                  const std::string& path) {
    const Value* v = array(parent, key, path);
    if (v == nullptr) return std::nullopt;
    std::vector<std::string> out;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const Value& e = (*v)[i];
      if (expect(e, JsonType::kString, indexPath(path, i))) {
        out.emplace_back(e.GetString(), e.GetStringLength());
        checkText(key, out.back(), indexPath(path, i));
      }
    }
    return out;
  }

  /// A rule-checked enumerated field: kept as text plus the parsed value.
  template <typename T, typename Parse>
  Field<T> field(const Value& parent, std::string_view key, const std::string& path, Parse parse) {
    Field<T> out;
    out.text = string(parent, key, path);
    if (out.text) out.value = parse(*out.text);
    return out;
  }

  /// A parser-owned enumerated field: a value outside the table is a `value` error.
  template <typename T, std::size_t N>
  std::optional<T> code(const Value& parent, std::string_view key, const std::string& path,
                        const common::CodeTable<T, N>& codes) {
    const std::optional<std::string> text = string(parent, key, path);
    if (!text) return std::nullopt;
    std::optional<T> value = codes.parse(*text);
    if (!value) notOneOf(path, *text, codes);
    return value;
  }

  /// The `value` error of a code outside its table; the list is the table's, in its order.
  template <typename T, std::size_t N>
  void notOneOf(const std::string& path, std::string_view text,
                const common::CodeTable<T, N>& codes) {
    const std::string allowed = codes.join(", ");
    invalid(path, "Valeur non reconnue ; valeurs possibles : " + allowed + ".",
            "'" + std::string(text) + "' is not one of: " + allowed);
  }

  /// A required text field: missing or blank is a `required` error.
  std::string requiredString(const Value& parent, std::string_view key, const std::string& path) {
    const bool present = member(parent, key) != nullptr;
    std::optional<std::string> s = string(parent, key, path);
    if (!s || isBlank(*s)) {
      if (!present || s) missing(path);  // a type error already said what is wrong
      return {};
    }
    return *s;
  }

  void missing(const std::string& path) {
    issues_.push_back(Issue{.severity = IssueSeverity::kError,
                            .code = "required",
                            .detailsText = "Champ obligatoire manquant ou vide.",
                            .diagnostics = "required field is missing or empty",
                            .expression = path});
  }

  void invalid(const std::string& path, std::string fr, std::string en) {
    issues_.push_back(Issue{.severity = IssueSeverity::kError,
                            .code = "value",
                            .detailsText = std::move(fr),
                            .diagnostics = std::move(en),
                            .expression = path});
  }

  /// Unknown members are ignored with a warning: editors running an older or newer client keep
  /// working, and see what the gateway did not read.
  void unknownMembers(const Value& object, const std::string& path,
                      std::initializer_list<std::string_view> known) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      issues_.push_back(Issue{.severity = IssueSeverity::kWarning,
                              .code = "structure",
                              .detailsText = "Champ inconnu, ignoré par la passerelle.",
                              .diagnostics = "unknown field '" + std::string(name) + "' ignored",
                              .expression = joinPath(path, name)});
    }
  }

 private:
  const common::JsonDocument* origin_;
  std::vector<Issue>& issues_;
  std::vector<Issue>& typeErrors_;
};

// ---- shared pieces ---------------------------------------------------------------------------

std::optional<std::string> optionalText(Reader& r, const Value& parent, std::string_view key,
                                        const std::string& base) {
  std::optional<std::string> s = r.string(parent, key, joinPath(base, key));
  if (s && isBlank(*s)) {
    r.invalid(joinPath(base, key), "Le champ est vide.", "field is empty");
    return std::nullopt;
  }
  return s;
}

void checkMailbox(Reader& r, const std::optional<std::string>& address, const std::string& path) {
  if (!address) return;
  const auto at = address->find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address->size() ||
      address->find('@', at + 1) != std::string::npos) {
    r.invalid(path, "Adresse de messagerie invalide.", "not a mail address (local@domain)");
  }
}

/// Values that become FHIR codes must have the R4 `code` form (no leading, trailing or repeated
/// whitespace), so that a free-form specialty cannot make the mapped resources invalid.
void checkCodeForm(Reader& r, std::string_view code, const std::string& path) {
  if (!fhir::matchesR4Regex("code", code)) {
    r.invalid(path, "Code invalide (pas d'espace en tête, en fin ni double).",
              "not a FHIR code: no leading, trailing or repeated whitespace");
  }
}

std::vector<std::string> names(Reader& r, const Value& parent, const std::string& base,
                               bool required) {
  const std::string path = joinPath(base, "given");
  std::optional<std::vector<std::string>> given = r.strings(parent, "given", path);
  if (!given) {
    if (required && Reader::member(parent, "given") == nullptr) r.missing(path);
    return {};
  }
  return *given;
}

Recipients readRecipients(Reader& r, const Value& parent, const std::string& base) {
  Recipients out;
  const std::string path = joinPath(base, "recipients");
  const Value* v = r.object(parent, "recipients", path);
  if (v == nullptr) return out;
  r.unknownMembers(*v, path, {"dmp", "treatingPhysician", "patient"});
  out.dmp = r.boolean(*v, "dmp", joinPath(path, "dmp"));
  out.treatingPhysician = r.boolean(*v, "treatingPhysician", joinPath(path, "treatingPhysician"));
  out.patient = r.boolean(*v, "patient", joinPath(path, "patient"));
  return out;
}

std::optional<Content> readContent(Reader& r, const Value& parent, const std::string& base) {
  const std::string path = joinPath(base, "content");
  const Value* v = r.object(parent, "content", path);
  if (v == nullptr) return std::nullopt;
  r.unknownMembers(*v, path, {"contentType", "data"});
  Content out;
  out.contentType =
      r.field<ContentType>(*v, "contentType", joinPath(path, "contentType"), parseContentType);
  out.data = r.string(*v, "data", joinPath(path, "data"));
  if (out.data) out.bytes = common::base64Decode(*out.data);
  return out;
}

std::optional<fhir::DateTime> requiredDateTime(Reader& r, const Value& parent, std::string_view key,
                                               const std::string& base) {
  const std::string path = joinPath(base, key);
  const bool present = Reader::member(parent, key) != nullptr;
  const std::optional<std::string> text = r.string(parent, key, path);
  if (!present) {
    r.missing(path);
    return std::nullopt;
  }
  if (!text) return std::nullopt;
  std::optional<fhir::DateTime> dt = fhir::DateTime::parse(*text);
  if (!dt) {
    r.invalid(path, "Date et heure invalides (attendu : AAAA-MM-JJThh:mm:ss+hh:mm).",
              "not an RFC 3339 date-time with offset");
  }
  return dt;
}

// ---- documents -------------------------------------------------------------------------------

Report readReport(Reader& r, const Value& v, const std::string& base) {
  r.unknownMembers(
      v, base,
      {"kind", "externalId", "title", "authoredAt", "content", "confidentiality", "recipients"});
  Report out;
  out.externalId = optionalText(r, v, "externalId", base);
  out.title = r.requiredString(v, "title", joinPath(base, "title"));
  out.authoredAt = requiredDateTime(r, v, "authoredAt", base);
  out.content = readContent(r, v, base);
  out.confidentiality =
      r.code(v, "confidentiality", joinPath(base, "confidentiality"), kConfidentialityCodes)
          .value_or(Confidentiality::kNormal);
  out.recipients = readRecipients(r, v, base);
  return out;
}

std::optional<std::int64_t> positiveInteger(Reader& r, const Value& parent, std::string_view key,
                                            const std::string& path) {
  const std::optional<std::string> text = r.number(parent, key, path);
  if (!text) return std::nullopt;
  const bool digitsOnly =
      !text->empty() && text->size() <= 6 &&
      std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::int64_t n = digitsOnly ? std::stoll(*text) : 0;
  if (n <= 0) {
    r.invalid(path, "Un nombre entier positif est attendu.",
              "expected a positive whole number (at most 6 digits)");
    return std::nullopt;
  }
  return n;
}

PrescriptionItem readItem(Reader& r, const Value& v, const std::string& base) {
  r.unknownMembers(v, base, {"medication", "dosage", "durationDays", "quantity", "substitutable"});
  PrescriptionItem out;
  const std::string medPath = joinPath(base, "medication");
  if (const Value* m = r.object(v, "medication", medPath)) {
    r.unknownMembers(*m, medPath, {"system", "code", "display"});
    Medication med;
    med.system =
        r.field<MedicationSystem>(*m, "system", joinPath(medPath, "system"), parseMedicationSystem);
    med.code = r.string(*m, "code", joinPath(medPath, "code"));
    med.display = r.string(*m, "display", joinPath(medPath, "display"));
    out.medication = std::move(med);
  }
  out.dosage = r.string(v, "dosage", joinPath(base, "dosage"));
  out.durationDays = positiveInteger(r, v, "durationDays", joinPath(base, "durationDays"));
  const std::string qPath = joinPath(base, "quantity");
  if (const std::optional<std::string> q = r.number(v, "quantity", qPath)) {
    out.quantity = Decimal::parse(*q);
    if (!out.quantity || out.quantity->isNegative() || out.quantity->isZero()) {
      r.invalid(qPath,
                "Une quantité positive est attendue (au plus " +
                    std::to_string(Decimal::kMaxDigits) + " chiffres).",
                "expected a positive decimal without exponent, at most " +
                    std::to_string(Decimal::kMaxDigits) + " digits");
      out.quantity.reset();
    }
  }
  out.substitutable = r.boolean(v, "substitutable", joinPath(base, "substitutable"));
  return out;
}

Prescription readPrescription(Reader& r, const Value& v, const std::string& base) {
  r.unknownMembers(
      v, base,
      {"kind", "externalId", "authoredAt", "prescriptionNumber", "items", "content", "recipients"});
  Prescription out;
  out.externalId = optionalText(r, v, "externalId", base);
  out.authoredAt = requiredDateTime(r, v, "authoredAt", base);
  out.prescriptionNumber = optionalText(r, v, "prescriptionNumber", base);
  const std::string itemsPath = joinPath(base, "items");
  if (const Value* items = r.array(v, "items", itemsPath)) {
    out.itemsPresent = true;
    for (rapidjson::SizeType i = 0; i < items->Size(); ++i) {
      const std::string itemPath = indexPath(itemsPath, i);
      if (r.expect((*items)[i], JsonType::kObject, itemPath)) {
        out.items.push_back(readItem(r, (*items)[i], itemPath));
      }
    }
  }
  out.content = readContent(r, v, base);
  out.recipients = readRecipients(r, v, base);
  return out;
}

Field<fhir::Date> dateField(Reader& r, const Value& parent, std::string_view key,
                            const std::string& base) {
  return r.field<fhir::Date>(parent, key, joinPath(base, key), fhir::Date::parse);
}

SickLeave readSickLeave(Reader& r, const Value& v, const std::string& base) {
  r.unknownMembers(v, base,
                   {"kind", "externalId", "type", "start", "end", "ongoingLeaveStart", "partTime",
                    "reason", "inPersonImpossible", "durationJustification", "recipients"});
  SickLeave out;
  out.externalId = optionalText(r, v, "externalId", base);
  out.type = r.field<SickLeaveType>(v, "type", joinPath(base, "type"), parseSickLeaveType);
  out.start = dateField(r, v, "start", base);
  out.end = dateField(r, v, "end", base);
  out.ongoingLeaveStart = dateField(r, v, "ongoingLeaveStart", base);
  out.partTime = r.boolean(v, "partTime", joinPath(base, "partTime"));
  out.reason = r.string(v, "reason", joinPath(base, "reason"));
  const std::string ipPath = joinPath(base, "inPersonImpossible");
  if (const Value* ip = r.object(v, "inPersonImpossible", ipPath)) {
    r.unknownMembers(*ip, ipPath, {"justified", "justification"});
    out.inPersonImpossible =
        InPersonImpossible{r.boolean(*ip, "justified", joinPath(ipPath, "justified")),
                           r.string(*ip, "justification", joinPath(ipPath, "justification"))};
  }
  // Owned by AAT-DURATION-CAP: a blank text is kept and counts as no justification there.
  out.durationJustification =
      r.string(v, "durationJustification", joinPath(base, "durationJustification"));
  out.recipients = readRecipients(r, v, base);
  return out;
}

/// A document needs a known `kind` before any other field can be typed, so a missing or unknown
/// kind is a shape error (400) like a wrong JSON type, not a data issue.
std::optional<Document> readDocument(Reader& r, const Value& v, const std::string& base) {
  if (!r.expect(v, JsonType::kObject, base)) return std::nullopt;
  const std::string kindPath = joinPath(base, "kind");
  const Value* kind = Reader::member(v, "kind");
  if (kind == nullptr) {
    r.typeError(kindPath, "Le champ kind est obligatoire (report, prescription ou sick-leave).",
                "missing document kind: report, prescription, sick-leave");
    return std::nullopt;
  }
  if (!r.expect(*kind, JsonType::kString, kindPath)) return std::nullopt;
  const std::string_view k(kind->GetString(), kind->GetStringLength());
  if (k == "report") return readReport(r, v, base);
  if (k == "prescription") return readPrescription(r, v, base);
  if (k == "sick-leave") return readSickLeave(r, v, base);
  r.typeError(kindPath, "Type de document inconnu (report, prescription ou sick-leave).",
              "unknown document kind '" + std::string(k) + "': report, prescription, sick-leave");
  return std::nullopt;
}

// ---- teleconsultation ------------------------------------------------------------------------

Ins readIns(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(v, path, {"value", "oid", "status"});
  Ins ins;
  ins.value = r.string(v, "value", joinPath(path, "value"));
  ins.oid = r.string(v, "oid", joinPath(path, "oid"));
  ins.status = r.field<InsStatus>(v, "status", joinPath(path, "status"), parseInsStatus);
  return ins;
}

Patient readPatient(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(v, path,
                   {"ins", "family", "given", "birthDate", "gender", "birthPlaceInsee", "address",
                    "telecom", "residence", "priorityZone", "dmpConsent"});
  Patient p;
  const std::string insPath = joinPath(path, "ins");
  if (const Value* ins = r.object(v, "ins", insPath)) p.ins = readIns(r, *ins, insPath);
  // With a qualified INS the identity traits belong to ID-INS-TRAITS (rules.md).
  const bool traitsByRule = p.ins && p.ins->status.text == std::string("qualified");

  p.family = r.string(v, "family", joinPath(path, "family"));
  if (!traitsByRule && (!p.family || isBlank(*p.family)) &&
      (Reader::member(v, "family") == nullptr || p.family)) {
    r.missing(joinPath(path, "family"));
  }
  p.given = names(r, v, path, !traitsByRule);
  p.birthDate = dateField(r, v, "birthDate", path);
  p.gender = r.field<Gender>(v, "gender", joinPath(path, "gender"), parseGender);
  p.birthPlaceInsee = r.string(v, "birthPlaceInsee", joinPath(path, "birthPlaceInsee"));
  if (!traitsByRule) {
    if (Reader::member(v, "birthDate") == nullptr) r.missing(joinPath(path, "birthDate"));
    if (p.birthDate.present() && !p.birthDate.valid()) {
      r.invalid(joinPath(path, "birthDate"), "Date invalide (attendu : AAAA-MM-JJ).",
                "not a YYYY-MM-DD date");
    }
    if (Reader::member(v, "gender") == nullptr) r.missing(joinPath(path, "gender"));
    if (p.gender.present() && !p.gender.valid()) {
      r.notOneOf(joinPath(path, "gender"), *p.gender.text, kGenderCodes);
    }
    if (p.birthPlaceInsee && !fhir::fr::isInseeCommuneCode(*p.birthPlaceInsee)) {
      r.invalid(joinPath(path, "birthPlaceInsee"), "Code commune INSEE invalide (5 caractères).",
                "not a 5-character INSEE commune code");
    }
  }

  const std::string addrPath = joinPath(path, "address");
  if (const Value* a = r.object(v, "address", addrPath)) {
    r.unknownMembers(*a, addrPath, {"line", "postalCode", "city"});
    Address address;
    address.lines =
        r.strings(*a, "line", joinPath(addrPath, "line")).value_or(std::vector<std::string>{});
    address.postalCode = r.string(*a, "postalCode", joinPath(addrPath, "postalCode"));
    address.city = r.string(*a, "city", joinPath(addrPath, "city"));
    p.address = std::move(address);
  }
  p.telecom =
      r.strings(v, "telecom", joinPath(path, "telecom")).value_or(std::vector<std::string>{});
  p.residence = r.code(v, "residence", joinPath(path, "residence"), kResidenceCodes)
                    .value_or(Residence::kHome);
  p.priorityZone = r.boolean(v, "priorityZone", joinPath(path, "priorityZone")).value_or(false);
  p.dmpConsent = r.boolean(v, "dmpConsent", joinPath(path, "dmpConsent")).value_or(true);
  return p;
}

Practitioner readPractitioner(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(
      v, path,
      {"rpps", "family", "given", "specialty", "postalCode", "mssanteAddress", "organization",
       "relationToPatient", "conventionSector", "practisesMainlyAbroad"});
  Practitioner p;
  p.rpps = r.string(v, "rpps", joinPath(path, "rpps"));
  p.family = r.requiredString(v, "family", joinPath(path, "family"));
  p.given = names(r, v, path, true);
  p.specialty = r.requiredString(v, "specialty", joinPath(path, "specialty"));
  if (!p.specialty.empty()) checkCodeForm(r, p.specialty, joinPath(path, "specialty"));
  p.postalCode = r.string(v, "postalCode", joinPath(path, "postalCode"));
  p.mssanteAddress = r.string(v, "mssanteAddress", joinPath(path, "mssanteAddress"));
  checkMailbox(r, p.mssanteAddress, joinPath(path, "mssanteAddress"));

  const std::string orgPath = joinPath(path, "organization");
  if (const Value* o = r.object(v, "organization", orgPath)) {
    r.unknownMembers(*o, orgPath, {"finess", "siret", "name", "facilityType"});
    Organization org;
    org.finess = optionalText(r, *o, "finess", orgPath);
    // Shapes only (rules.md): what FR Core's Organization identifiers require, so a wrong one is
    // the editor's 422 rather than the mapper's 500.
    if (org.finess && !fhir::fr::isFinessNumber(*org.finess)) {
      r.invalid(joinPath(orgPath, "finess"),
                "Numéro FINESS invalide (9 caractères : chiffres, 2A ou 2B en tête pour la Corse).",
                "a FINESS number is 9 characters: digits, or 2A/2B then 7 digits");
    }
    org.siret = optionalText(r, *o, "siret", orgPath);
    if (org.siret && !fhir::fr::isSiretNumber(*org.siret)) {
      r.invalid(joinPath(orgPath, "siret"), "Numéro SIRET invalide (14 chiffres).",
                "a SIRET number is 14 digits");
    }
    org.name = r.requiredString(*o, "name", joinPath(orgPath, "name"));
    org.facilityType = optionalText(r, *o, "facilityType", orgPath).value_or("SA07");
    checkCodeForm(r, org.facilityType, joinPath(orgPath, "facilityType"));
    p.organization = std::move(org);
  }

  // Several rules read the relation (pathway, territory, sick leave, activity cap): no single
  // rule owns it, so the parser reports it like any required field.
  const std::string relPath = joinPath(path, "relationToPatient");
  if (Reader::member(v, "relationToPatient") == nullptr) r.missing(relPath);
  p.relationToPatient =
      r.code(v, "relationToPatient", relPath, kRelationCodes).value_or(Relation::kOther);
  // Read by BILL-ACT only when there is a billing: the parser reports an unlisted value, so it
  // is refused (422) with or without a billing.
  p.conventionSector =
      r.code(v, "conventionSector", joinPath(path, "conventionSector"), kConventionSectorCodes);
  p.practisesMainlyAbroad =
      r.boolean(v, "practisesMainlyAbroad", joinPath(path, "practisesMainlyAbroad"))
          .value_or(false);
  return p;
}

TreatingPhysician readTreatingPhysician(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(v, path, {"rpps", "family", "given", "mssanteAddress", "fhirEndpoint"});
  TreatingPhysician t;
  t.rpps = r.string(v, "rpps", joinPath(path, "rpps"));
  t.family = r.requiredString(v, "family", joinPath(path, "family"));
  t.given = names(r, v, path, true);
  t.mssanteAddress = r.string(v, "mssanteAddress", joinPath(path, "mssanteAddress"));
  checkMailbox(r, t.mssanteAddress, joinPath(path, "mssanteAddress"));
  t.fhirEndpoint = optionalText(r, v, "fhirEndpoint", path);
  if (t.fhirEndpoint) {
    // Parsed as the connector will parse it (libcurl's URL API): a URL with dot segments,
    // encoded slashes or user info could escape an allow-list, so it is refused here, at intake,
    // rather than accepted with a delivery that can never succeed.
    if (auto url = common::parseHttpUrl(*t.fhirEndpoint); !url) {
      r.invalid(joinPath(path, "fhirEndpoint"),
                "URL invalide : une adresse http(s) absolue sans segments « . » ou « .. », sans "
                "barres obliques encodées ni identifiants est attendue.",
                url.error().message());
    }
  }
  return t;
}

Encounter readEncounter(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(v, path,
                   {"start", "end", "channel", "consent", "orientation", "lastInPersonVisit",
                    "territorialOrganisation", "assistedBy", "patientLocation"});
  Encounter e;
  e.start = r.field<fhir::DateTime>(v, "start", joinPath(path, "start"), fhir::DateTime::parse);
  e.end = r.field<fhir::DateTime>(v, "end", joinPath(path, "end"), fhir::DateTime::parse);
  e.channel = r.field<Channel>(v, "channel", joinPath(path, "channel"), parseChannel);
  const std::string consentPath = joinPath(path, "consent");
  if (const Value* c = r.object(v, "consent", consentPath)) {
    r.unknownMembers(*c, consentPath, {"obtained", "at"});
    Consent consent;
    consent.obtained = r.boolean(*c, "obtained", joinPath(consentPath, "obtained"));
    consent.at =
        r.field<fhir::DateTime>(*c, "at", joinPath(consentPath, "at"), fhir::DateTime::parse);
    e.consent = std::move(consent);
  }
  e.orientation =
      r.field<Orientation>(v, "orientation", joinPath(path, "orientation"), parseOrientation);
  e.lastInPersonVisit = dateField(r, v, "lastInPersonVisit", path);
  e.territorialOrganisation =
      r.boolean(v, "territorialOrganisation", joinPath(path, "territorialOrganisation"))
          .value_or(false);

  const std::string abPath = joinPath(path, "assistedBy");
  if (const Value* a = r.object(v, "assistedBy", abPath)) {
    r.unknownMembers(*a, abPath, {"profession", "rpps"});
    AssistedBy ab;
    const std::string profPath = joinPath(abPath, "profession");
    if (Reader::member(*a, "profession") == nullptr) r.missing(profPath);
    ab.profession = r.code(*a, "profession", profPath, kAssistantProfessionCodes)
                        .value_or(AssistantProfession::kNurse);
    ab.rpps = r.string(*a, "rpps", joinPath(abPath, "rpps"));
    e.assistedBy = std::move(ab);
  }
  const std::string locPath = joinPath(path, "patientLocation");
  if (const Value* l = r.object(v, "patientLocation", locPath)) {
    r.unknownMembers(*l, locPath, {"kind", "postalCode"});
    PatientLocation loc;
    const std::string kindPath = joinPath(locPath, "kind");
    if (Reader::member(*l, "kind") == nullptr) r.missing(kindPath);
    loc.kind = r.code(*l, "kind", kindPath, kPatientLocationKindCodes)
                   .value_or(PatientLocationKind::kOther);
    loc.postalCode = r.string(*l, "postalCode", joinPath(locPath, "postalCode"));
    e.patientLocation = std::move(loc);
  }
  return e;
}

Billing readBilling(Reader& r, const Value& v, const std::string& path) {
  r.unknownMembers(v, path, {"act", "amount", "majorations", "ald", "thirdPartyPayment"});
  Billing b;
  b.act = r.string(v, "act", joinPath(path, "act"));
  const std::string amountPath = joinPath(path, "amount");
  b.amount.text = r.decimalText(v, "amount", amountPath);
  if (b.amount.text) {
    // An amount that is not a decimal cannot be billed at all: an input error, not the
    // BILL-AMOUNT comparison with the tariff (which a configuration could lower to a warning).
    b.amount.value = Decimal::parse(*b.amount.text);
    if (!b.amount.value || b.amount.value->isNegative()) {
      r.invalid(amountPath,
                "Montant invalide : un nombre décimal positif ou nul est attendu, par exemple "
                "\"25.00\" (au plus " +
                    std::to_string(Decimal::kMaxDigits) + " chiffres).",
                "expected a non-negative decimal such as \"25.00\" (no exponent, at most " +
                    std::to_string(Decimal::kMaxDigits) + " digits)");
      b.amount.value.reset();
    }
  }
  b.majorations = r.strings(v, "majorations", joinPath(path, "majorations"))
                      .value_or(std::vector<std::string>{});
  b.ald = r.boolean(v, "ald", joinPath(path, "ald")).value_or(false);
  b.thirdPartyPayment =
      r.code(v, "thirdPartyPayment", joinPath(path, "thirdPartyPayment"), kThirdPartyPaymentCodes)
          .value_or(ThirdPartyPayment::kNone);
  return b;
}

void checkDuplicateExternalIds(Reader& r, const Teleconsultation& t) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < t.documents.size(); ++i) {
    const std::optional<std::string>& id = documentExternalId(t.documents[i]);
    if (!id) continue;
    if (!seen.emplace(*id, i).second) {
      r.invalid(joinPath(indexPath("documents", i), "externalId"),
                "Identifiant externe déjà utilisé par un autre document de la requête.",
                "externalId repeats documents[" + std::to_string(seen[*id]) + "].externalId");
    }
  }
}

}  // namespace

TeleconsultationParse parseTeleconsultation(const rapidjson::Value& body,
                                            const common::JsonDocument* origin) {
  TeleconsultationParse out;
  Reader r(origin, out.issues, out.typeErrors);
  if (!r.expect(body, JsonType::kObject, "")) return out;
  r.unknownMembers(body, "",
                   {"externalId", "patient", "practitioner", "treatingPhysician", "encounter",
                    "billing", "documents"});
  Teleconsultation& t = out.record;
  t.externalId = optionalText(r, body, "externalId", "");

  if (const Value* p = r.object(body, "patient", "patient")) {
    t.patient = readPatient(r, *p, "patient");
  } else if (Reader::member(body, "patient") == nullptr) {
    r.missing("patient");
  }
  if (const Value* p = r.object(body, "practitioner", "practitioner")) {
    t.practitioner = readPractitioner(r, *p, "practitioner");
  } else if (Reader::member(body, "practitioner") == nullptr) {
    r.missing("practitioner");
  }
  if (const Value* tp = r.object(body, "treatingPhysician", "treatingPhysician")) {
    t.treatingPhysician = readTreatingPhysician(r, *tp, "treatingPhysician");
  }
  // A missing encounter is not reported here: each of its fields belongs to a rule (TLC-*).
  if (const Value* e = r.object(body, "encounter", "encounter")) {
    t.encounter = readEncounter(r, *e, "encounter");
  }
  if (const Value* b = r.object(body, "billing", "billing")) {
    t.billing = readBilling(r, *b, "billing");
  }
  if (const Value* docs = r.array(body, "documents", "documents")) {
    for (rapidjson::SizeType i = 0; i < docs->Size(); ++i) {
      if (std::optional<Document> d = readDocument(r, (*docs)[i], indexPath("documents", i))) {
        t.documents.push_back(std::move(*d));
      }
    }
    checkDuplicateExternalIds(r, t);
  }
  return out;
}

TeleconsultationParse parseTeleconsultation(const common::JsonDocument& body) {
  return parseTeleconsultation(body.root(), &body);
}

DocumentParse parseDocument(const rapidjson::Value& body, const common::JsonDocument* origin,
                            std::string_view basePath) {
  DocumentParse out;
  Reader r(origin, out.issues, out.typeErrors);
  if (std::optional<Document> d = readDocument(r, body, std::string(basePath))) {
    out.record = std::move(*d);
  }
  return out;
}

DocumentParse parseDocument(const common::JsonDocument& body, std::string_view basePath) {
  return parseDocument(body.root(), &body, basePath);
}

}  // namespace fhirgw::domain
