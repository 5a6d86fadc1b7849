// Reference.reference: its shape (Type/id, absolute URL, #id, urn:uuid:, urn:oid:), the resource
// types the element allows, and local references noted for ref-1.

#include <string>

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
  if (s.front() == '#') {
    if (s.size() > 1) walker.noteLocalReference(s.substr(1), walker.whereChild("reference"));
    return;
  }
  if (s.starts_with("urn:uuid:") || s.starts_with("urn:oid:")) {
    const Primitive p = s.starts_with("urn:uuid:") ? Primitive::kUuid : Primitive::kOid;
    if (!detail::matchesRegex(p, s)) {
      walker.error("value", walker.whereChild("reference"),
                   std::string("a reference starting with urn: must be a valid ") +
                       (p == Primitive::kUuid ? "urn:uuid" : "urn:oid"),
                   "Référence URN invalide.");
    }
    return;
  }
  const Catalog& c = walker.catalog();
  // [base/]Type/id[/_history/vid], or a conditional Type?query in transactions.
  std::string_view rest = s;
  if (const std::size_t h = rest.find("/_history/"); h != std::string_view::npos) {
    if (!detail::matchesRegex(Primitive::kId, rest.substr(h + 10))) return badReference(walker);
    rest = rest.substr(0, h);
  }
  const bool absolute = rest.find("://") != std::string_view::npos;
  std::string_view type;
  if (const std::size_t q = rest.find('?'); !absolute && q != std::string_view::npos) {
    type = rest.substr(0, q);
    if (!c.resourceType(type)) return badReference(walker);
  } else {
    const std::size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) {
      if (!absolute) badReference(walker);
      return;
    }
    const std::string_view id = rest.substr(slash + 1);
    const std::string_view head = rest.substr(0, slash);
    type = head.substr(head.rfind('/') == std::string_view::npos ? 0 : head.rfind('/') + 1);
    const bool known = c.resourceType(type).has_value() && detail::matchesRegex(Primitive::kId, id);
    if (!known) {
      if (!absolute) badReference(walker);
      return;  // an absolute URL not shaped like a FHIR REST one: left alone
    }
    if (!absolute && head != type) return badReference(walker);
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
