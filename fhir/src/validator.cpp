#include "fhirgw/fhir/validator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "primitive_check.hpp"
#include "r4_tables.hpp"

namespace fhirgw::fhir {
namespace {

using r4::FieldDef;
using r4::Primitive;
using r4::TypeDef;
using r4::TypeKind;
using rapidjson::Value;

constexpr std::string_view kConsentScopeSystem =
    "http://terminology.hl7.org/CodeSystem/consentscope";

std::string_view str(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

const Value* member(const Value& obj, std::string_view name) {
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
    if (str(m->name) == name) return &m->value;
  }
  return nullptr;
}

const Value* stringMember(const Value& obj, std::string_view name) {
  const Value* v = member(obj, name);
  return v != nullptr && v->IsString() ? v : nullptr;
}

// The "_name" partner of a primitive property, without building the key.
const Value* underscoreMember(const Value& obj, std::string_view name) {
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
    const std::string_view key = str(m->name);
    if (key.size() == name.size() + 1 && key.front() == '_' && key.substr(1) == name) {
      return &m->value;
    }
  }
  return nullptr;
}

std::string clip(std::string_view s) {
  constexpr std::size_t kMax = 64;  // codes are short; never echo long content
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

/// Types whose R4 invariants are checked by hand.
enum class Special : std::uint8_t {
  kNone,
  kExtension,        // ext-1
  kPeriod,           // per-1
  kCodedQuantity,    // qty-3 (Age, Count, Distance, Duration)
  kReference,        // reference shape, target types, ref-1
  kCoding,           // required bindings
  kCodeableConcept,  // required bindings
  kConsent,          // ppc-1..5
  kBundle,           // bdl-*
};

/// The tables plus what the validator derives from them once.
struct Catalog {
  const r4::Tables& t = r4::tables();
  std::vector<Special> special;
  std::uint16_t elementType = 0;
  ValidatorOptions options;
  std::map<std::string, std::unique_ptr<ProfileCheck>, std::less<>> profiles;

  explicit Catalog(ValidatorOptions o) : special(t.types.size(), Special::kNone), options(o) {
    const std::array<std::pair<std::string_view, Special>, 11> named = {{
        {"Extension", Special::kExtension},
        {"Period", Special::kPeriod},
        {"Age", Special::kCodedQuantity},
        {"Count", Special::kCodedQuantity},
        {"Distance", Special::kCodedQuantity},
        {"Duration", Special::kCodedQuantity},
        {"Reference", Special::kReference},
        {"Coding", Special::kCoding},
        {"CodeableConcept", Special::kCodeableConcept},
        {"Consent", Special::kConsent},
        {"Bundle", Special::kBundle},
    }};
    for (std::size_t i = 0; i < t.types.size(); ++i) {
      for (const auto& [name, s] : named) {
        if (t.types[i].name == name) special[i] = s;
      }
      if (t.types[i].name == "Element") elementType = static_cast<std::uint16_t>(i);
    }
  }

  std::optional<std::uint16_t> resourceType(std::string_view name) const {
    auto it =
        std::lower_bound(t.resourceIndex.begin(), t.resourceIndex.end(), name,
                         [&](std::uint16_t i, std::string_view n) { return t.types[i].name < n; });
    if (it == t.resourceIndex.end() || t.types[*it].name != name) return std::nullopt;
    return *it;
  }

  const FieldDef* field(const TypeDef& type, std::string_view name) const {
    const auto begin = t.fields.begin() + type.fieldBegin;
    const auto end = begin + type.fieldCount;
    auto it = std::lower_bound(begin, end, name,
                               [](const FieldDef& f, std::string_view n) { return f.name < n; });
    return it != end && it->name == name ? &*it : nullptr;
  }

  // Whether code (from system, or any system when system is empty) is in value set vs.
  bool inValueSet(std::int16_t vs, std::string_view system, std::string_view code) const {
    const r4::ValueSetDef& d = t.valueSets[static_cast<std::size_t>(vs)];
    if (!d.enumerable) return true;
    const auto begin = t.codes.begin() + d.codeBegin;
    const auto end = begin + d.codeCount;
    auto it = std::lower_bound(begin, end, code,
                               [](const r4::CodeDef& c, std::string_view x) { return c.code < x; });
    for (; it != end && it->code == code; ++it) {
      if (system.empty() || t.systems[it->system] == system) return true;
    }
    return false;
  }
};

/// How a value appears in JSON, as far as the document lets us know.
enum class Json : std::uint8_t { kNull, kBool, kNumber, kString, kNumberOrString, kObject, kArray };

/// Where a resource sits.
enum class Role : std::uint8_t { kTop, kContained };

/// One validation: walks the JSON along the tables, keeping the path for locations.
class Run {
 public:
  Run(const Catalog& c, NumberEncoding numbers, const common::JsonDocument* parsed,
      std::vector<Issue>& out)
      : c_(c), t_(c.t), numbers_(numbers), parsed_(parsed), out_(out) {
    path_.reserve(32);
    seen_.reserve(256);
  }

  void root(const Value& v) {
    if (!v.IsObject()) {
      add(IssueSeverity::kError, "structure", "", "a resource must be a JSON object",
          "La ressource doit être un objet JSON.");
      return;
    }
    resource(v, std::nullopt, Role::kTop);
  }

 private:
  struct Segment {
    std::string_view name;
    std::int64_t index;  // -1: not an array item
  };
  struct Scope {
    std::vector<std::string_view> containedIds;
    std::vector<std::pair<std::string_view, std::string>> localRefs;  // id, location
  };
  enum class ObjectRole : std::uint8_t { kResource, kElement, kPrimitiveExtension };

  // ---- locations and issues ----

  std::string where() const {
    std::string s;
    for (const Segment& seg : path_) {
      if (!s.empty()) s += '.';
      s += seg.name;
      if (seg.index >= 0) {
        s += '[';
        s += std::to_string(seg.index);
        s += ']';
      }
    }
    return s;
  }
  std::string whereChild(std::string_view child) const {
    std::string s = where();
    if (!s.empty()) s += '.';
    s += child;
    return s;
  }

  void add(IssueSeverity severity, std::string_view code, std::string location,
           std::string diagnostics, std::string_view french) {
    Issue i;
    i.severity = severity;
    i.code = std::string(code);
    i.diagnostics = std::move(diagnostics);
    i.detailsText = std::string(french);
    i.expression = std::move(location);
    out_.push_back(std::move(i));
  }
  void error(std::string_view code, std::string location, std::string diagnostics,
             std::string_view french) {
    add(IssueSeverity::kError, code, std::move(location), std::move(diagnostics), french);
  }
  void invariant(std::string_view key, std::string location, std::string_view human) {
    error("invariant", std::move(location), std::string(key) + ": " + std::string(human),
          "Contrainte FHIR non respectée.");
  }

  Json kind(const Value& v) const {
    if (v.IsString()) {
      if (parsed_ != nullptr) return parsed_->isNumber(v) ? Json::kNumber : Json::kString;
      return numbers_ == NumberEncoding::kDigitsAsStrings ? Json::kNumberOrString : Json::kString;
    }
    if (v.IsNumber()) return Json::kNumber;
    if (v.IsBool()) return Json::kBool;
    if (v.IsObject()) return Json::kObject;
    if (v.IsArray()) return Json::kArray;
    return Json::kNull;
  }

  // ---- resources ----

  void resource(const Value& v, std::optional<std::uint16_t> declared, Role role) {
    const Value* rt = member(v, "resourceType");
    if (rt == nullptr || !rt->IsString()) {
      error(rt == nullptr ? "required" : "structure", whereChild("resourceType"),
            "a resource needs a string resourceType", "Type de ressource absent ou invalide.");
      return;
    }
    const std::optional<std::uint16_t> idx = c_.resourceType(str(*rt));
    if (!idx || t_.types[*idx].kind != TypeKind::kResource) {
      error("invalid", whereChild("resourceType"),
            "'" + clip(str(*rt)) + "' is not a concrete FHIR R4 resource type",
            "Type de ressource inconnu en FHIR R4.");
      return;
    }
    if (declared && t_.types[*declared].kind == TypeKind::kResource && *declared != *idx) {
      error("invalid", whereChild("resourceType"),
            "expected a " + std::string(t_.types[*declared].name) + " resource",
            "Type de ressource inattendu.");
    }
    const bool top = path_.empty();
    if (top) path_.push_back({t_.types[*idx].name, -1});

    if (role == Role::kContained) {
      containedRules(v);
    } else {
      scopes_.emplace_back();
      if (const Value* contained = member(v, "contained"); contained && contained->IsArray()) {
        for (const Value& r : contained->GetArray()) {
          if (!r.IsObject()) continue;
          if (const Value* id = stringMember(r, "id"))
            scopes_.back().containedIds.push_back(str(*id));
        }
      }
    }

    object(v, *idx, ObjectRole::kResource);
    switch (c_.special[*idx]) {
      case Special::kConsent:
        consentRules(v);
        break;
      case Special::kBundle:
        bundleRules(v);
        break;
      default:
        break;
    }
    profiles(v);

    if (role != Role::kContained) {
      Scope& scope = scopes_.back();
      for (const auto& [id, location] : scope.localRefs) {
        if (std::find(scope.containedIds.begin(), scope.containedIds.end(), id) ==
            scope.containedIds.end()) {
          invariant("ref-1", location,
                    "SHALL have a contained resource if a local reference is provided");
        }
      }
      scopes_.pop_back();
    }
    if (top) path_.pop_back();
  }

  void containedRules(const Value& v) {
    if (member(v, "contained") != nullptr) {
      invariant("dom-2", where(),
                "If the resource is contained in another resource, it SHALL NOT contain nested "
                "Resources");
    }
    if (stringMember(v, "id") == nullptr) {
      error("required", whereChild("id"), "a contained resource SHALL have an id",
            "Une ressource contenue doit avoir un identifiant.");
    }
    if (const Value* meta = member(v, "meta"); meta && meta->IsObject()) {
      if (member(*meta, "versionId") || member(*meta, "lastUpdated")) {
        invariant("dom-4", where(),
                  "If a resource is contained in another resource, it SHALL NOT have a "
                  "meta.versionId or a meta.lastUpdated");
      }
      if (member(*meta, "security")) {
        invariant(
            "dom-5", where(),
            "If a resource is contained in another resource, it SHALL NOT have a security label");
      }
    }
  }

  void profiles(const Value& v) {
    const Value* meta = member(v, "meta");
    if (meta == nullptr || !meta->IsObject()) return;
    const Value* list = member(*meta, "profile");
    if (list == nullptr || !list->IsArray()) return;  // shape errors come from the tables
    std::int64_t i = 0;
    for (const Value& p : list->GetArray()) {
      const std::int64_t index = i++;
      if (!p.IsString()) continue;
      std::string_view url = str(p);
      url = url.substr(0, url.find('|'));
      auto it = c_.profiles.find(url);
      if (it != c_.profiles.end()) {
        ProfileIssues issues(where(), it->second->name(), out_);
        it->second->check(v, issues);
      } else if (c_.options.reportUncheckedProfiles) {
        add(IssueSeverity::kInformation, "informational",
            whereChild("meta.profile[" + std::to_string(index) + "]"),
            "profile " + std::string(url) + " is not checked by the gateway; base R4 only",
            "Profil non vérifié par la passerelle (seul FHIR R4 de base est vérifié).");
      }
    }
  }

  // ---- objects and fields ----

  bool seenHas(std::size_t mark, std::uint32_t code) const {
    return std::find(seen_.begin() + static_cast<std::ptrdiff_t>(mark), seen_.end(), code) !=
           seen_.end();
  }

  void object(const Value& obj, std::uint16_t typeIndex, ObjectRole role) {
    const TypeDef& type = t_.types[typeIndex];
    const std::size_t mark = seen_.size();
    std::size_t nonIdMembers = 0;
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
      const std::string_view key = str(m->name);
      if (role == ObjectRole::kResource && key == "resourceType") continue;
      if (key != "id") ++nonIdMembers;
      const bool ext = !key.empty() && key.front() == '_';
      const std::string_view name = ext ? key.substr(1) : key;
      const FieldDef* f = c_.field(type, name);
      const bool primitive = f != nullptr && t_.types[f->type].kind == TypeKind::kPrimitive;
      if (f == nullptr || (ext && !primitive)) {
        error("structure", whereChild(key),
              "unknown element '" + clip(key) + "' in " + std::string(type.name),
              "Élément inconnu.");
        continue;
      }
      // Two codes per field: value and "_" extension, so both halves of a primitive are tracked.
      const auto fieldIndex = static_cast<std::uint32_t>(f - t_.fields.data());
      const std::uint32_t code = fieldIndex * 2U + (ext ? 1U : 0U);
      if (seenHas(mark, code)) {
        error("structure", whereChild(key), "duplicate JSON property '" + clip(key) + "'",
              "Propriété JSON en double.");
        continue;
      }
      const bool partnerDone = primitive && seenHas(mark, code ^ 1U);
      seen_.push_back(code);
      if (partnerDone) continue;
      path_.push_back({f->name, -1});
      if (primitive) {
        const Value* value = ext ? member(obj, name) : &m->value;
        const Value* extension = ext ? &m->value : underscoreMember(obj, name);
        primitiveField(*f, value, extension);
      } else {
        complexField(*f, m->value);
      }
      path_.pop_back();
    }

    for (std::uint32_t r = type.requiredBegin; r < type.requiredBegin + type.requiredCount; ++r) {
      const r4::RequiredDef& req = t_.required[r];
      bool present = false;
      for (std::size_t i = mark; i < seen_.size() && !present; ++i) {
        const std::uint32_t fi = seen_[i] / 2U;
        present =
            req.choiceGroup != 0 ? t_.fields[fi].choiceGroup == req.choiceGroup : fi == req.field;
      }
      if (!present) {
        error("required", whereChild(req.element),
              "missing required element '" + std::string(req.element) + "' (min 1) in " +
                  std::string(type.name),
              "Élément obligatoire absent.");
      }
    }

    for (std::size_t i = mark; i < seen_.size(); ++i) {
      const FieldDef& a = t_.fields[seen_[i] / 2U];
      if (a.choiceGroup == 0) continue;
      for (std::size_t j = mark; j < i; ++j) {
        const FieldDef& b = t_.fields[seen_[j] / 2U];
        if (b.choiceGroup == a.choiceGroup && &b != &a) {
          error("structure", whereChild(a.name),
                "only one type of choice element '" + std::string(a.element) + "' is allowed (" +
                    std::string(b.name) + " is also present)",
                "Un seul type est permis pour cet élément.");
          break;
        }
      }
    }
    seen_.resize(mark);

    if (role == ObjectRole::kElement && nonIdMembers == 0) {
      invariant("ele-1", where(), "All FHIR elements must have a @value or children");
    }
    switch (c_.special[typeIndex]) {
      case Special::kExtension:
        extensionRules(obj);
        break;
      case Special::kPeriod:
        periodRules(obj);
        break;
      case Special::kCodedQuantity:
        if (member(obj, "code") != nullptr && member(obj, "system") == nullptr) {
          invariant("qty-3", where(),
                    "If a code for the unit is present, the system SHALL also be present");
        }
        break;
      default:
        break;
    }
  }

  void complexField(const FieldDef& f, const Value& v) {
    if (f.max == 0) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' is not allowed here (max 0)",
            "Élément interdit ici.");
      return;
    }
    if (!f.array) {
      if (v.IsArray()) {
        error("structure", where(),
              "element '" + std::string(f.name) +
                  "' has max cardinality 1: a JSON array is not allowed",
              "Une seule valeur est permise, pas un tableau.");
        return;
      }
      complexItem(f, v);
      return;
    }
    if (!v.IsArray()) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' repeats: its value must be a JSON array",
            "La valeur doit être un tableau JSON.");
      if (v.IsObject()) complexItem(f, v);
      return;
    }
    if (v.Empty()) {
      error("structure", where(), "arrays SHALL NOT be empty in FHIR JSON",
            "Un tableau vide n'est pas permis.");
      return;
    }
    if (v.Size() > f.max) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' has " + std::to_string(v.Size()) +
                " items, more than its max cardinality " + std::to_string(f.max),
            "Trop de valeurs pour cet élément.");
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      path_.back().index = i;
      complexItem(f, v[i]);
    }
    path_.back().index = -1;
  }

  void complexItem(const FieldDef& f, const Value& v) {
    if (!v.IsObject()) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' must be a JSON object (" +
                std::string(t_.types[f.type].name) + ")",
            "La valeur doit être un objet JSON.");
      return;
    }
    const TypeKind k = t_.types[f.type].kind;
    if (k == TypeKind::kResource || k == TypeKind::kAbstractResource) {
      resource(v, f.type, f.name == "contained" ? Role::kContained : Role::kTop);
      return;
    }
    object(v, f.type, ObjectRole::kElement);
    switch (c_.special[f.type]) {
      case Special::kReference:
        referenceRules(f, v);
        break;
      case Special::kCoding:
        if (f.valueSet >= 0) codingBinding(f, v);
        break;
      case Special::kCodeableConcept:
        if (f.valueSet >= 0) codeableConceptBinding(f, v);
        break;
      default:
        break;
    }
  }

  void primitiveField(const FieldDef& f, const Value* value, const Value* ext) {
    if (f.max == 0) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' is not allowed here (max 0)",
            "Élément interdit ici.");
      return;
    }
    const Primitive p = t_.types[f.type].primitive;
    if (!f.array) {
      if ((value != nullptr && value->IsArray()) || (ext != nullptr && ext->IsArray())) {
        error("structure", where(),
              "element '" + std::string(f.name) +
                  "' has max cardinality 1: a JSON array is not allowed",
              "Une seule valeur est permise, pas un tableau.");
        return;
      }
      if (value != nullptr) {
        if (value->IsNull()) {
          error("structure", where(), "null is not allowed here", "Valeur null interdite.");
        } else {
          primitiveValue(f, p, *value);
        }
      }
      if (ext != nullptr) primitiveExtension(*ext, value != nullptr && !value->IsNull());
      return;
    }
    const bool valueOk = value == nullptr || value->IsArray();
    const bool extOk = ext == nullptr || ext->IsArray();
    if (!valueOk || !extOk) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' repeats: its value must be a JSON array",
            "La valeur doit être un tableau JSON.");
      return;
    }
    const rapidjson::SizeType nv = value != nullptr ? value->Size() : 0;
    const rapidjson::SizeType ne = ext != nullptr ? ext->Size() : 0;
    if ((value != nullptr && nv == 0) || (ext != nullptr && ne == 0)) {
      error("structure", where(), "arrays SHALL NOT be empty in FHIR JSON",
            "Un tableau vide n'est pas permis.");
      return;
    }
    if (value != nullptr && ext != nullptr && nv != ne) {
      error("structure", where(),
            "'" + std::string(f.name) + "' and '_" + std::string(f.name) +
                "' arrays must have the same length",
            "Les tableaux de valeurs et d'extensions doivent avoir la même longueur.");
    }
    const rapidjson::SizeType n = std::max(nv, ne);
    if (n > f.max) {
      error("structure", where(),
            "element '" + std::string(f.name) + "' has " + std::to_string(n) +
                " items, more than its max cardinality " + std::to_string(f.max),
            "Trop de valeurs pour cet élément.");
    }
    for (rapidjson::SizeType i = 0; i < n; ++i) {
      path_.back().index = i;
      const Value* vi = i < nv ? &(*value)[i] : nullptr;
      const Value* ei = i < ne ? &(*ext)[i] : nullptr;
      const bool hasValue = vi != nullptr && !vi->IsNull();
      const bool hasExt = ei != nullptr && !ei->IsNull();
      if (!hasValue && !hasExt) {
        error("structure", where(), "an array item is null with no extension",
              "Valeur null sans extension.");
        continue;
      }
      if (hasValue) primitiveValue(f, p, *vi);
      if (hasExt) primitiveExtension(*ei, hasValue);
    }
    path_.back().index = -1;
  }

  // The "_x" object of a primitive: an Element (id, extension).
  void primitiveExtension(const Value& v, bool hasValue) {
    if (!v.IsObject()) {
      error("structure", where(), "the extension of a primitive must be a JSON object",
            "L'extension d'une valeur primitive doit être un objet JSON.");
      return;
    }
    object(v, c_.elementType, hasValue ? ObjectRole::kPrimitiveExtension : ObjectRole::kElement);
  }

  void primitiveValue(const FieldDef& f, Primitive p, const Value& v) {
    const std::string_view typeName = t_.types[f.type].name;
    const Json k = kind(v);
    std::string_view text;
    switch (p) {
      case Primitive::kBoolean:
        if (!v.IsBool()) {
          error("structure", where(), "a boolean must be JSON true or false",
                "La valeur doit être un booléen JSON.");
        }
        return;
      case Primitive::kInteger:
      case Primitive::kUnsignedInt:
      case Primitive::kPositiveInt:
      case Primitive::kDecimal:
        if (v.IsNumber()) {
          nativeNumber(p, typeName, v);
          return;
        }
        if (k != Json::kNumber && k != Json::kNumberOrString) {
          error("structure", where(),
                std::string("a ") + std::string(typeName) + " must be a JSON number" +
                    (k == Json::kString ? ", not a string" : ""),
                "La valeur doit être un nombre JSON.");
          return;
        }
        text = str(v);
        break;
      default:
        if (k != Json::kString && k != Json::kNumberOrString) {
          error("structure", where(),
                std::string("a ") + std::string(typeName) + " must be a JSON string" +
                    (k == Json::kNumber ? ", not a number" : ""),
                "La valeur doit être une chaîne JSON.");
          return;
        }
        text = str(v);
        break;
    }
    if (p == Primitive::kXhtml) {
      xhtml(text);
      return;
    }
    if (text.empty()) {
      error("value", where(), "empty strings are not allowed in FHIR JSON",
            "Une chaîne vide n'est pas permise.");
      return;
    }
    if (!detail::matchesRegex(p, text)) {
      error("value", where(),
            "not a valid " + std::string(typeName) + ": expected " +
                std::string(detail::expectedForm(p)),
            "Format invalide pour le type " + std::string(typeName) + ".");
      return;
    }
    if (const std::string_view problem = detail::semanticProblem(p, text); !problem.empty()) {
      error("value", where(), "not a valid " + std::string(typeName) + ": " + std::string(problem),
            "Valeur invalide pour le type " + std::string(typeName) + ".");
      return;
    }
    if ((p == Primitive::kString || p == Primitive::kMarkdown) &&
        text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      add(IssueSeverity::kWarning, "value", where(),
          "strings SHOULD contain non-whitespace content",
          "La chaîne ne contient que des espaces.");
    }
    if (f.valueSet >= 0 &&
        (p == Primitive::kCode || p == Primitive::kString || p == Primitive::kUri) &&
        !c_.inValueSet(f.valueSet, "", text)) {
      error("code-invalid", where(),
            "'" + clip(text) + "' is not in the required value set " +
                std::string(t_.valueSets[static_cast<std::size_t>(f.valueSet)].url),
            "Code hors du jeu de valeurs obligatoire.");
    }
  }

  // A RapidJSON number from a document built in code.
  void nativeNumber(Primitive p, std::string_view typeName, const Value& v) {
    if (p == Primitive::kDecimal) {
      if (v.IsDouble() && !std::isfinite(v.GetDouble())) {
        error("value", where(), "a decimal must be finite", "Nombre décimal invalide.");
      }
      return;
    }
    const std::int64_t lo = p == Primitive::kInteger       ? -2147483648LL
                            : p == Primitive::kPositiveInt ? 1
                                                           : 0;
    if (!v.IsInt64() || v.GetInt64() < lo || v.GetInt64() > 2147483647LL) {
      error("value", where(),
            "not a valid " + std::string(typeName) + ": expected an integer in [" +
                std::to_string(lo) + ", 2147483647]",
            "Valeur invalide pour le type " + std::string(typeName) + ".");
    }
  }

  void xhtml(std::string_view text) {
    // The cheap part of txt-1: the root is an XHTML div. The element whitelist is not checked.
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    const std::string_view body = start == std::string_view::npos ? "" : text.substr(start);
    const std::string_view tag = body.substr(0, body.find('>'));
    if (body.substr(0, 4) != "<div" || (body.size() > 4 && body[4] != ' ' && body[4] != '>') ||
        tag.find("xmlns=\"http://www.w3.org/1999/xhtml\"") == std::string_view::npos) {
      error("value", where(),
            "narrative must be an XHTML <div xmlns=\"http://www.w3.org/1999/xhtml\"> element",
            "Le texte narratif doit être un élément div XHTML.");
    }
  }

  // ---- bindings on Coding and CodeableConcept ----

  void codingBinding(const FieldDef& f, const Value& coding) {
    const Value* code = stringMember(coding, "code");
    const Value* system = stringMember(coding, "system");
    if (code != nullptr && c_.inValueSet(f.valueSet, system ? str(*system) : "", str(*code)))
      return;
    if (!t_.valueSets[static_cast<std::size_t>(f.valueSet)].enumerable) return;
    error("code-invalid", where(),
          (code != nullptr ? "'" + clip(str(*code)) + "' is" : std::string("no code is")) +
              " not in the required value set " +
              std::string(t_.valueSets[static_cast<std::size_t>(f.valueSet)].url),
          "Code hors du jeu de valeurs obligatoire.");
  }

  void codeableConceptBinding(const FieldDef& f, const Value& cc) {
    if (!t_.valueSets[static_cast<std::size_t>(f.valueSet)].enumerable) return;
    if (const Value* codings = member(cc, "coding"); codings && codings->IsArray()) {
      for (const Value& coding : codings->GetArray()) {
        if (!coding.IsObject()) continue;
        const Value* code = stringMember(coding, "code");
        const Value* system = stringMember(coding, "system");
        if (code != nullptr && c_.inValueSet(f.valueSet, system ? str(*system) : "", str(*code))) {
          return;
        }
      }
    }
    error("code-invalid", where(),
          "no coding is in the required value set " +
              std::string(t_.valueSets[static_cast<std::size_t>(f.valueSet)].url),
          "Aucun code du jeu de valeurs obligatoire.");
  }

  // ---- references ----

  void referenceRules(const FieldDef& f, const Value& ref) {
    const Value* r = stringMember(ref, "reference");
    if (r == nullptr) return;
    const std::string_view s = str(*r);
    if (s.empty()) return;  // reported by the string check
    if (s.front() == '#') {
      if (s.size() > 1 && !scopes_.empty()) {
        scopes_.back().localRefs.emplace_back(s.substr(1), whereChild("reference"));
      }
      return;
    }
    if (s.starts_with("urn:uuid:") || s.starts_with("urn:oid:")) {
      const Primitive p = s.starts_with("urn:uuid:") ? Primitive::kUuid : Primitive::kOid;
      if (!detail::matchesRegex(p, s)) {
        error("value", whereChild("reference"),
              std::string("a reference starting with urn: must be a valid ") +
                  (p == Primitive::kUuid ? "urn:uuid" : "urn:oid"),
              "Référence URN invalide.");
      }
      return;
    }
    // [base/]Type/id[/_history/vid], or a conditional Type?query in transactions.
    std::string_view rest = s;
    if (const std::size_t h = rest.find("/_history/"); h != std::string_view::npos) {
      if (!detail::matchesRegex(Primitive::kId, rest.substr(h + 10))) return badReference();
      rest = rest.substr(0, h);
    }
    const bool absolute = rest.find("://") != std::string_view::npos;
    std::string_view type;
    if (const std::size_t q = rest.find('?'); !absolute && q != std::string_view::npos) {
      type = rest.substr(0, q);
      if (!c_.resourceType(type)) return badReference();
    } else {
      const std::size_t slash = rest.rfind('/');
      if (slash == std::string_view::npos) {
        if (!absolute) badReference();
        return;
      }
      const std::string_view id = rest.substr(slash + 1);
      const std::string_view head = rest.substr(0, slash);
      type = head.substr(head.rfind('/') == std::string_view::npos ? 0 : head.rfind('/') + 1);
      const bool known =
          c_.resourceType(type).has_value() && detail::matchesRegex(Primitive::kId, id);
      if (!known) {
        if (!absolute) badReference();
        return;  // an absolute URL not shaped like a FHIR REST one: left alone
      }
      if (!absolute && head != type) return badReference();
    }
    if (f.targetCount == 0) return;
    std::string allowed;
    for (std::uint32_t i = f.targetBegin; i < f.targetBegin + f.targetCount; ++i) {
      const std::string_view target = t_.types[t_.targets[i]].name;
      if (target == type || target == "Resource") return;
      if (!allowed.empty()) allowed += ", ";
      allowed += target;
    }
    error("value", whereChild("reference"),
          "a reference to " + std::string(type) + " is not allowed here (expected " + allowed + ")",
          "Type de ressource référencée non permis ici.");
  }

  void badReference() {
    error("value", whereChild("reference"),
          "a reference must be Type/id, an absolute URL, #id, urn:uuid: or urn:oid:",
          "Référence mal formée.");
  }

  // ---- invariants ----

  void extensionRules(const Value& ext) {
    bool hasValue = false;
    for (auto m = ext.MemberBegin(); m != ext.MemberEnd(); ++m) {
      const std::string_view key = str(m->name);
      if (key.size() > 5 && (key.starts_with("value") || key.starts_with("_value")))
        hasValue = true;
    }
    if (hasValue == (member(ext, "extension") != nullptr)) {
      invariant("ext-1", where(), "Must have either extensions or value[x], not both");
    }
  }

  void periodRules(const Value& period) {
    const Value* start = stringMember(period, "start");
    const Value* end = stringMember(period, "end");
    if (start == nullptr || end == nullptr) return;
    const std::string_view a = str(*start);
    const std::string_view b = str(*end);
    if (!detail::matchesRegex(Primitive::kDateTime, a) ||
        !detail::matchesRegex(Primitive::kDateTime, b)) {
      return;
    }
    if (isAfter(a, b)) {
      invariant("per-1", where(), "If present, start SHALL have a lower value than end");
    }
  }

  // Seconds since 1970 (UTC) of a full dateTime "YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm)".
  static std::int64_t epochSeconds(std::string_view s) {
    auto num = [&](std::size_t pos, std::size_t len) {
      std::int64_t n = 0;
      for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (s[i] - '0');
      return n;
    };
    std::int64_t y = num(0, 4);
    const std::int64_t m = num(5, 2);
    const std::int64_t d = num(8, 2);
    // Days from civil (proleptic Gregorian), after H. Hinnant's algorithm.
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = era * 146097 + doe - 719468;
    std::int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
    const std::size_t tz = s.find_first_of("Z+-", 19);
    if (tz != std::string_view::npos && s[tz] != 'Z') {
      const std::int64_t offset = num(tz + 1, 2) * 3600 + num(tz + 4, 2) * 60;
      secs -= s[tz] == '+' ? offset : -offset;
    }
    return secs;
  }

  static std::string_view fraction(std::string_view s) {
    if (s.size() <= 19 || s[19] != '.') return "";
    const std::size_t end = s.find_first_of("Z+-", 20);
    return s.substr(20, end - 20);
  }

  // per-1 for two valid dateTimes of any precision: compared on the precision they share.
  static bool isAfter(std::string_view a, std::string_view b) {
    const bool ta = a.size() > 10;
    const bool tb = b.size() > 10;
    if (ta && tb) {
      const std::int64_t sa = epochSeconds(a);
      const std::int64_t sb = epochSeconds(b);
      if (sa != sb) return sa > sb;
      std::string fa(fraction(a));
      std::string fb(fraction(b));
      const std::size_t n = std::max(fa.size(), fb.size());
      fa.resize(n, '0');
      fb.resize(n, '0');
      return fa > fb;
    }
    // Local dates, or a date against the date part of a dateTime: the shared prefix decides.
    const std::size_t n = std::min({a.size(), b.size(), std::size_t{10}});
    return a.substr(0, n) > b.substr(0, n);
  }

  void consentRules(const Value& consent) {
    if (member(consent, "policy") == nullptr && member(consent, "policyRule") == nullptr) {
      invariant("ppc-1", where(), "Either a Policy or PolicyRule");
    }
    if (member(consent, "patient") != nullptr) return;
    // ppc-2..5 as intended: the R4 expressions compare the system with the placeholder
    // 'something', so they never fire as written.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kScopes = {{
        {"patient-privacy", "ppc-2"},
        {"research", "ppc-3"},
        {"adr", "ppc-4"},
        {"treatment", "ppc-5"},
    }};
    const Value* scope = member(consent, "scope");
    const Value* codings = scope && scope->IsObject() ? member(*scope, "coding") : nullptr;
    if (codings == nullptr || !codings->IsArray()) return;
    for (const Value& coding : codings->GetArray()) {
      if (!coding.IsObject()) continue;
      const Value* system = stringMember(coding, "system");
      const Value* code = stringMember(coding, "code");
      if (system == nullptr || code == nullptr || str(*system) != kConsentScopeSystem) continue;
      for (const auto& [c, key] : kScopes) {
        if (str(*code) == c) {
          invariant(key, where(), "IF Scope=" + std::string(c) + ", there must be a patient");
        }
      }
    }
  }

  void bundleRules(const Value& bundle) {
    const Value* typeValue = stringMember(bundle, "type");
    const std::string_view type = typeValue ? str(*typeValue) : "";
    if (member(bundle, "total") && type != "searchset" && type != "history") {
      invariant("bdl-1", where(), "total only when a search or history");
    }
    const bool needsRequest = type == "batch" || type == "transaction" || type == "history";
    const bool needsResponse =
        type == "batch-response" || type == "transaction-response" || type == "history";
    if (type == "document") {
      const Value* id = member(bundle, "identifier");
      if (!id || !id->IsObject() || !member(*id, "system") || !member(*id, "value")) {
        invariant("bdl-9", where(), "A document must have an identifier with a system and a value");
      }
      if (!stringMember(bundle, "timestamp")) {
        invariant("bdl-10", where(), "A document must have a date");
      }
    }
    const Value* entries = member(bundle, "entry");
    if (entries == nullptr || !entries->IsArray()) {
      return;
    }
    std::vector<std::pair<std::string_view, std::string_view>> fullUrls;  // fullUrl, versionId
    path_.push_back({"entry", -1});
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
      const Value& e = (*entries)[i];
      if (!e.IsObject()) continue;
      path_.back().index = i;
      const Value* resource = member(e, "resource");
      const Value* rt =
          resource && resource->IsObject() ? stringMember(*resource, "resourceType") : nullptr;
      if (i == 0 && type == "document" && (!rt || str(*rt) != "Composition")) {
        invariant("bdl-11", where(), "A document must have a Composition as the first resource");
      }
      if (i == 0 && type == "message" && (!rt || str(*rt) != "MessageHeader")) {
        invariant("bdl-12", where(), "A message must have a MessageHeader as the first resource");
      }
      if (member(e, "search") && type != "searchset") {
        invariant("bdl-2", where(), "entry.search only when a search");
      }
      if ((member(e, "request") != nullptr) != needsRequest) {
        invariant("bdl-3", where(),
                  "entry.request mandatory for batch/transaction/history, otherwise prohibited");
      }
      if ((member(e, "response") != nullptr) != needsResponse) {
        invariant("bdl-4", where(),
                  "entry.response mandatory for batch-response/transaction-response/history, "
                  "otherwise prohibited");
      }
      if (!resource && !member(e, "request") && !member(e, "response")) {
        invariant("bdl-5", where(), "must be a resource unless there's a request or response");
      }
      const Value* fullUrl = stringMember(e, "fullUrl");
      if (fullUrl == nullptr) continue;
      const std::string_view url = str(*fullUrl);
      if (url.find("/_history/") != std::string_view::npos) {
        invariant("bdl-8", where(), "fullUrl cannot be a version specific reference");
      }
      std::string_view versionId;
      if (resource && resource->IsObject()) {
        const Value* meta = member(*resource, "meta");
        const Value* v = meta && meta->IsObject() ? stringMember(*meta, "versionId") : nullptr;
        if (v) versionId = str(*v);
        fullUrlMatchesId(url, *resource, rt);
      }
      if (type != "history" && std::find(fullUrls.begin(), fullUrls.end(),
                                         std::pair{url, versionId}) != fullUrls.end()) {
        invariant("bdl-7", where(),
                  "FullUrl must be unique in a bundle, or else entries with the same fullUrl must "
                  "have different meta.versionId (except in history bundles)");
      }
      fullUrls.emplace_back(url, versionId);
    }
    path_.pop_back();
  }

  // R4 bundle.html: a fullUrl SHALL NOT disagree with the resource id. Like the reference
  // validator, only a RESTful-looking URL ([base/]Type/id) is compared; canonical-style URLs
  // and URNs are left alone.
  void fullUrlMatchesId(std::string_view url, const Value& resource, const Value* rt) {
    const Value* id = stringMember(resource, "id");
    if (!id || !rt || url.starts_with("urn:")) return;
    const std::size_t last = url.rfind('/');
    if (last == std::string_view::npos || last == 0) return;
    const std::size_t before = url.rfind('/', last - 1);
    const std::string_view type =
        url.substr(before == std::string_view::npos ? 0 : before + 1,
                   last - (before == std::string_view::npos ? 0 : before + 1));
    if (!c_.resourceType(type)) return;
    if (type != str(*rt) || url.substr(last + 1) != str(*id)) {
      error("invalid", whereChild("fullUrl"),
            "fullUrl must end with " + std::string(str(*rt)) + "/" + std::string(str(*id)),
            "fullUrl ne correspond pas au type et à l'identifiant de la ressource.");
    }
  }

  const Catalog& c_;
  const r4::Tables& t_;
  NumberEncoding numbers_;
  const common::JsonDocument* parsed_;
  std::vector<Issue>& out_;
  std::vector<Segment> path_;
  std::vector<std::uint32_t> seen_;
  std::vector<Scope> scopes_;
};

}  // namespace

void ProfileIssues::add(IssueSeverity severity, std::string_view code,
                        std::string_view relativePath, std::string_view diagnostics,
                        std::string_view detailsText) {
  Issue i;
  i.severity = severity;
  i.code = std::string(code);
  i.diagnostics = std::string(profile_) + ": " + std::string(diagnostics);
  i.detailsText = std::string(detailsText);
  i.expression = base_;
  if (!relativePath.empty()) {
    if (!i.expression.empty()) i.expression += '.';
    i.expression += relativePath;
  }
  issues_.push_back(std::move(i));
}

struct Validator::Impl {
  explicit Impl(ValidatorOptions o) : catalog(o) {}
  Catalog catalog;
};

Validator::Validator(ValidatorOptions options) : impl_(std::make_unique<Impl>(options)) {}
Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

void Validator::registerProfile(std::string canonicalUrl, std::unique_ptr<ProfileCheck> check) {
  impl_->catalog.profiles[std::move(canonicalUrl)] = std::move(check);
}

std::vector<Issue> Validator::validate(const rapidjson::Value& resource,
                                       NumberEncoding numbers) const {
  std::vector<Issue> issues;
  Run(impl_->catalog, numbers, nullptr, issues).root(resource);
  return issues;
}

std::vector<Issue> Validator::validate(const common::JsonDocument& json) const {
  std::vector<Issue> issues;
  Run(impl_->catalog, NumberEncoding::kDigitsAsStrings, &json, issues).root(json.root());
  return issues;
}

common::Result<std::vector<Issue>> Validator::validateText(std::string_view text,
                                                           const common::JsonLimits& limits) const {
  // Duplicate properties are reported by the validation itself, at their FHIR path.
  common::JsonLimits withDuplicates = limits;
  withDuplicates.allowDuplicateNames = true;
  common::Result<common::JsonDocument> parsed = common::parseJson(text, withDuplicates);
  if (!parsed) return parsed.error();
  return validate(*parsed);
}

bool Validator::isResourceType(std::string_view resourceType) {
  const r4::Tables& t = r4::tables();
  auto it =
      std::lower_bound(t.resourceIndex.begin(), t.resourceIndex.end(), resourceType,
                       [&](std::uint16_t i, std::string_view n) { return t.types[i].name < n; });
  return it != t.resourceIndex.end() && t.types[*it].name == resourceType &&
         t.types[*it].kind == TypeKind::kResource;
}

}  // namespace fhirgw::fhir
