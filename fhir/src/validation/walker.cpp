#include "validation/walker.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "primitive_check.hpp"
#include "validation/json_access.hpp"

namespace fhirgw::fhir::validation {

using r4::FieldDef;
using r4::Primitive;
using r4::TypeDef;
using r4::TypeKind;
using rapidjson::Value;

Walker::Walker(const Catalog& catalog, NumberEncoding numbers, const common::JsonDocument* parsed,
               IssueSink& sink)
    : c_(catalog), t_(catalog.t), numbers_(numbers), parsed_(parsed), sink_(sink) {
  path_.reserve(32);
  seen_.reserve(256);
}

void Walker::root(const Value& v) {
  if (!v.IsObject()) {
    add(IssueSeverity::kError, "structure", "", "a resource must be a JSON object",
        "La ressource doit être un objet JSON.");
    return;
  }
  resource(v, std::nullopt, Role::kTop);
}

// ---- locations and issues ----

void Walker::add(IssueSeverity severity, std::string_view code, std::string location,
                 std::string diagnostics, std::string_view french) {
  sink_.add(Issue{.severity = severity,
                  .code = std::string(code),
                  .detailsText = std::string(french),
                  .diagnostics = std::move(diagnostics),
                  .expression = std::move(location)});
}

void Walker::invariant(std::string_view key, std::string location, std::string_view human) {
  error("invariant", std::move(location), std::string(key) + ": " + std::string(human),
        "Contrainte FHIR non respectée.");
}

void Walker::noteLocalReference(std::string_view id, std::string location) {
  if (!scopes_.empty()) scopes_.back().localRefs.emplace_back(id, std::move(location));
}

Walker::JsonKind Walker::kind(const Value& v) const {
  if (v.IsString()) {
    if (parsed_ != nullptr) return parsed_->isNumber(v) ? JsonKind::kNumber : JsonKind::kString;
    return numbers_ == NumberEncoding::kDigitsAsStrings ? JsonKind::kNumberOrString
                                                        : JsonKind::kString;
  }
  if (v.IsNumber()) return JsonKind::kNumber;
  if (v.IsBool()) return JsonKind::kBool;
  if (v.IsObject()) return JsonKind::kObject;
  if (v.IsArray()) return JsonKind::kArray;
  return JsonKind::kNull;
}

// ---- resources ----

void Walker::resource(const Value& v, std::optional<std::uint16_t> declared, Role role) {
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
  // A top resource names the path's root; a nested one sits under its field.
  std::optional<ScopedPath::Scope> top;
  if (path_.empty()) top.emplace(path_.withField(t_.types[*idx].name));

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
}

void Walker::containedRules(const Value& v) {
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

void Walker::profiles(const Value& v) {
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
      ProfileIssues issues(path_, it->second->name(), sink_);
      it->second->check(v, issues);
    } else if (c_.options.reportUncheckedProfiles) {
      const ScopedPath::Scope at = path_.withField("meta.profile");
      const ScopedPath::Scope item = path_.withIndex(static_cast<std::size_t>(index));
      add(IssueSeverity::kInformation, "informational", where(),
          "profile " + std::string(url) + " is not checked by the gateway; base R4 only",
          "Profil non vérifié par la passerelle (seul FHIR R4 de base est vérifié).");
    }
  }
}

// ---- objects and fields ----

bool Walker::seenHas(std::size_t mark, std::uint32_t code) const {
  return std::find(seen_.begin() + static_cast<std::ptrdiff_t>(mark), seen_.end(), code) !=
         seen_.end();
}

void Walker::object(const Value& obj, std::uint16_t typeIndex, ObjectRole role) {
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
            "unknown element '" + clip(key) + "' in " + std::string(type.name), "Élément inconnu.");
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
    const ScopedPath::Scope at = path_.withField(f->name);
    if (primitive) {
      const Value* value = ext ? member(obj, name) : &m->value;
      const Value* extension = ext ? &m->value : underscoreMember(obj, name);
      primitiveField(*f, value, extension);
    } else {
      complexField(*f, m->value);
    }
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
  if (const ValueCheck check = c_.valueChecks[typeIndex]) check(obj, *this);
}

void Walker::complexField(const FieldDef& f, const Value& v) {
  if (f.max == 0) {
    error("structure", where(), "element '" + std::string(f.name) + "' is not allowed here (max 0)",
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
    const ScopedPath::Scope item = path_.withIndex(i);
    complexItem(f, v[i]);
  }
}

void Walker::complexItem(const FieldDef& f, const Value& v) {
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
  if (const FieldCheck check = c_.fieldChecks[f.type]) check(f, v, *this);
}

void Walker::primitiveField(const FieldDef& f, const Value* value, const Value* ext) {
  if (f.max == 0) {
    error("structure", where(), "element '" + std::string(f.name) + "' is not allowed here (max 0)",
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
    const ScopedPath::Scope item = path_.withIndex(i);
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
}

// The "_x" object of a primitive: an Element (id, extension).
void Walker::primitiveExtension(const Value& v, bool hasValue) {
  if (!v.IsObject()) {
    error("structure", where(), "the extension of a primitive must be a JSON object",
          "L'extension d'une valeur primitive doit être un objet JSON.");
    return;
  }
  object(v, c_.elementType, hasValue ? ObjectRole::kPrimitiveExtension : ObjectRole::kElement);
}

void Walker::primitiveValue(const FieldDef& f, Primitive p, const Value& v) {
  const std::string_view typeName = t_.types[f.type].name;
  const JsonKind k = kind(v);
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
      if (k != JsonKind::kNumber && k != JsonKind::kNumberOrString) {
        error("structure", where(),
              std::string("a ") + std::string(typeName) + " must be a JSON number" +
                  (k == JsonKind::kString ? ", not a string" : ""),
              "La valeur doit être un nombre JSON.");
        return;
      }
      text = str(v);
      break;
    default:
      if (k != JsonKind::kString && k != JsonKind::kNumberOrString) {
        error("structure", where(),
              std::string("a ") + std::string(typeName) + " must be a JSON string" +
                  (k == JsonKind::kNumber ? ", not a number" : ""),
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
    add(IssueSeverity::kWarning, "value", where(), "strings SHOULD contain non-whitespace content",
        "La chaîne ne contient que des espaces.");
  }
  if (f.valueSet >= 0) checkPrimitiveBinding(f, p, text, *this);
}

// A RapidJSON number from a document built in code.
void Walker::nativeNumber(Primitive p, std::string_view typeName, const Value& v) {
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

void Walker::xhtml(std::string_view text) {
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

}  // namespace fhirgw::fhir::validation
