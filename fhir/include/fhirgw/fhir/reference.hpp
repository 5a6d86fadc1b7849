#pragma once

// Literal references (Reference.reference, R4 references.html#literal) split into their parts.
// The one parser: the validator checks the parts against the R4 tables, the bundle writers only
// find the payload resource they name; each applies its own rule to what it gets here.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fhirgw::fhir {

/// The shape of a literal reference.
enum class ReferenceForm {
  kFragment,     ///< "#id": a contained resource ("#" alone: the container)
  kUrnUuid,      ///< "urn:uuid:...", the rest not checked
  kUrnOid,       ///< "urn:oid:...", the rest not checked
  kRelative,     ///< "Type/id[/_history/vid]", or with a relative prefix ("a/Type/id")
  kAbsolute,     ///< "base/Type/id[/_history/vid]" where base is an absolute URL (has "://")
  kConditional,  ///< "Type?query" (relative; in transactions)
  kOtherUrl,     ///< an absolute URL that does not end in Type/id: not a FHIR REST one
};

/// The parts of a literal reference: views into the parsed text.
struct LiteralReference {
  ReferenceForm form = ReferenceForm::kRelative;
  /// Text before "Type/": the service base with its final '/' ("https://h/fhir/"), a relative
  /// prefix ("a/", which the validator refuses), or empty.
  std::string_view base;
  /// kRelative, kAbsolute and kConditional: shaped like a resource type name (an ASCII capital
  /// then letters and digits), not looked up.
  std::string_view type;
  /// kRelative and kAbsolute: a FHIR id (1 to 64 of A-Z a-z 0-9 - .); kFragment: the text after
  /// '#'; kUrnUuid and kUrnOid: the text after "urn:uuid:" or "urn:oid:".
  std::string_view id;
  /// The text after the first "/_history/" of any form but the fragment and URNs, not checked.
  std::optional<std::string_view> version;
  /// kConditional: the text after '?'.
  std::string_view query;
};

/// The parts of a literal reference; nullopt for an empty text and for a relative one in none of
/// the forms ("Patient 12", "a/b", "Foo?x" with a badly shaped type).
std::optional<LiteralReference> parseLiteralReference(std::string_view text);

/// Resources (a bundle's entries, a delivery's payload) found by the references that name them,
/// one rule for every bundle the gateway writes: "Type/id" whatever its base and version, the
/// text "urn:uuid:<id>", or the fullUrl given with the resource. Looser than the validator on
/// purpose: it finds what a stored reference names, it does not judge it.
class ReferenceIndex {
 public:
  /// Adds the next resource; positions count from 0 in the order added, and the first resource
  /// added under a key keeps it.
  void add(std::string_view resourceType, std::string_view id, std::string fullUrl);
  /// The position of the resource a reference names, or nullopt (contained "#...", urn:oid,
  /// conditional references and absolute URLs not ending in Type/id name none).
  std::optional<std::size_t> find(std::string_view reference) const;
  /// The fullUrl given for the resource at a position.
  const std::string& fullUrl(std::size_t position) const { return fullUrls_[position]; }

 private:
  std::unordered_map<std::string, std::size_t> keys_;
  std::vector<std::string> fullUrls_;
};

}  // namespace fhirgw::fhir
