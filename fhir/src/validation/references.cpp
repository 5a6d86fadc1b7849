// Reference.reference: its shape (split by fhir::parseLiteralReference: Type/id, absolute URL, #id,
// urn:uuid:, urn:oid:, Type?query), the resource types the element allows, and local references
// noted for ref-1.

#include <optional>
#include <string>

#include "fhirgw/fhir/reference.hpp"
#include "primitive_check.hpp"
#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {
namespace {

using r4::Primitive;
using rapidjson::Value;

void badReference(Walker& walker) {
  walker.error("value", walker.whereChild("reference"),
               "a reference must be Type/id, an absolute URL, #id, urn:uuid: or urn:oid:",
               "Référence mal formée.");
}

}  // namespace

void checkReference(const r4::FieldDef& f, const Value& ref, Walker& walker) {
  const Value* r = stringMember(ref, "reference");
  if (r == nullptr) return;
  const std::string_view s = str(*r);
  if (s.empty()) return;  // reported by the string check
  const std::optional<LiteralReference> parsed = parseLiteralReference(s);
  if (!parsed) return badReference(walker);
  switch (parsed->form) {
    case ReferenceForm::kFragment:
      if (!parsed->id.empty())
        walker.noteLocalReference(parsed->id, walker.whereChild("reference"));
      return;
    case ReferenceForm::kUrnUuid:
    case ReferenceForm::kUrnOid: {
      const bool uuid = parsed->form == ReferenceForm::kUrnUuid;
      if (!detail::matchesRegex(uuid ? Primitive::kUuid : Primitive::kOid, s)) {
        walker.error("value", walker.whereChild("reference"),
                     std::string("a reference starting with urn: must be a valid ") +
                         (uuid ? "urn:uuid" : "urn:oid"),
                     "Référence URN invalide.");
      }
      return;
    }
    default:
      break;
  }
  if (parsed->version && !detail::matchesRegex(Primitive::kId, *parsed->version)) {
    return badReference(walker);
  }
  // An absolute URL not shaped like a FHIR REST one, or naming a type R4 does not know, is left
  // alone; relative and conditional references must name an R4 type.
  if (parsed->form == ReferenceForm::kOtherUrl) return;
  const Catalog& c = walker.catalog();
  const std::string_view type = parsed->type;
  if (!c.resourceType(type)) {
    if (parsed->form != ReferenceForm::kAbsolute) badReference(walker);
    return;
  }
  if (parsed->form == ReferenceForm::kRelative && !parsed->base.empty()) {
    return badReference(walker);
  }
  if (f.targetCount == 0) return;
  std::string allowed;
  for (std::uint32_t i = f.targetBegin; i < f.targetBegin + f.targetCount; ++i) {
    const std::string_view target = c.t.types[c.t.targets[i]].name;
    if (target == type || target == "Resource") return;
    if (!allowed.empty()) allowed += ", ";
    allowed += target;
  }
  walker.error(
      "value", walker.whereChild("reference"),
      "a reference to " + std::string(type) + " is not allowed here (expected " + allowed + ")",
      "Type de ressource référencée non permis ici.");
}

}  // namespace fhirgw::fhir::validation
