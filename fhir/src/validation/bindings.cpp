// Required bindings: a code, Coding or CodeableConcept bound with strength "required" must take
// its code from the value set (expanded into the generated tables).

#include <string>

#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {
namespace {

using rapidjson::Value;

std::string valueSetUrl(const Catalog& c, std::int16_t vs) {
  return std::string(c.t.valueSets[static_cast<std::size_t>(vs)].url);
}

bool enumerable(const Catalog& c, std::int16_t vs) {
  return c.t.valueSets[static_cast<std::size_t>(vs)].enumerable;
}

}  // namespace

void checkCodingBinding(const r4::FieldDef& f, const Value& coding, Walker& walker) {
  if (f.valueSet < 0) return;
  const Catalog& c = walker.catalog();
  const Value* code = stringMember(coding, "code");
  const Value* system = stringMember(coding, "system");
  if (code != nullptr && c.inValueSet(f.valueSet, system ? str(*system) : "", str(*code))) return;
  if (!enumerable(c, f.valueSet)) return;
  walker.error("code-invalid", walker.where(),
               (code != nullptr ? "'" + clip(str(*code)) + "' is" : std::string("no code is")) +
                   " not in the required value set " + valueSetUrl(c, f.valueSet),
               "Code hors du jeu de valeurs obligatoire.");
}

void checkCodeableConceptBinding(const r4::FieldDef& f, const Value& codeableConcept,
                                 Walker& walker) {
  if (f.valueSet < 0) return;
  const Catalog& c = walker.catalog();
  if (!enumerable(c, f.valueSet)) return;
  if (const Value* codings = member(codeableConcept, "coding"); codings && codings->IsArray()) {
    for (const Value& coding : codings->GetArray()) {
      if (!coding.IsObject()) continue;
      const Value* code = stringMember(coding, "code");
      const Value* system = stringMember(coding, "system");
      if (code != nullptr && c.inValueSet(f.valueSet, system ? str(*system) : "", str(*code))) {
        return;
      }
    }
  }
  walker.error("code-invalid", walker.where(),
               "no coding is in the required value set " + valueSetUrl(c, f.valueSet),
               "Aucun code du jeu de valeurs obligatoire.");
}

void checkPrimitiveBinding(const r4::FieldDef& f, r4::Primitive p, std::string_view text,
                           Walker& walker) {
  if (p != r4::Primitive::kCode && p != r4::Primitive::kString && p != r4::Primitive::kUri) return;
  const Catalog& c = walker.catalog();
  if (c.inValueSet(f.valueSet, "", text)) return;
  walker.error(
      "code-invalid", walker.where(),
      "'" + clip(text) + "' is not in the required value set " + valueSetUrl(c, f.valueSet),
      "Code hors du jeu de valeurs obligatoire.");
}

}  // namespace fhirgw::fhir::validation
