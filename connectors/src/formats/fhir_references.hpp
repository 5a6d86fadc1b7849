#pragma once

// Reference handling shared by the payload selection and the bundle builders.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/delivery_payload.hpp"
#include "fhirgw/fhir/reference.hpp"

namespace fhirgw::connectors::detail {

/// Every `reference` string in the tree, in document order.
std::vector<std::string> collectReferences(const common::Json& resource);

/// True when text is a UUID ("8-4-4-4-12" hex).
bool isUuid(std::string_view text);

/// The fullUrl of a stored resource in a bundle: a UUID derived from its type and id, never the
/// id itself. Servers rewrite every string equal to a fullUrl into their own reference when they
/// process a transaction, so a fullUrl must not double as an identifier value.
std::string fullUrlFor(std::string_view resourceType, std::string_view resourceId);

/// The resource's stable identity as a URI for identifiers: urn:uuid:<id> when its id is a UUID,
/// else a UUID derived from type and id. Distinct from fullUrlFor().
std::string identityUri(std::string_view resourceType, std::string_view resourceId);

/// The OID under 2.25 (ISO/IEC 9834-8) of a canonical UUID: "2.25.<the 128-bit value in
/// decimal>" (xds::uuidToDecimal, so the mhd and XDS uniqueIds of a document are the same).
std::string uuidToOid(std::string_view uuid);

/// A payload resource parsed for a builder. The tree is shared with the payload and never
/// changed: a builder edits copies.
struct ParsedResource {
  const PayloadResource* source = nullptr;
  std::shared_ptr<const common::Json> tree;
  std::string fullUrl;  ///< fullUrlFor(type, id)

  /// The resource (a JSON object).
  const common::Json& json() const { return *tree; }
};

/// The payload's resources parsed, in order: their trees when the payload carries them (no
/// second parse), else their texts parsed; kInvalidArgument naming the first one that is not a
/// JSON object.
common::Result<std::vector<ParsedResource>> parsePayload(const DeliveryPayload& payload);

/// The parsed payload resources found by the references that name them (fhir::ReferenceIndex:
/// "Type/id", "urn:uuid:<id>" and the fullUrl all find the resource).
class ResourceIndex {
 public:
  explicit ResourceIndex(const std::vector<ParsedResource>& resources);
  /// The resource a reference string points to, or nullptr.
  const ParsedResource* resolve(std::string_view reference) const;
  /// Its position in the vector given at construction, or -1.
  int indexOf(std::string_view reference) const;
  /// The resource at a position returned by indexOf().
  const ParsedResource& at(int i) const { return resources_[static_cast<std::size_t>(i)]; }

 private:
  const std::vector<ParsedResource>& resources_;
  fhir::ReferenceIndex index_;
};

/// Escapes and percent-encodes one search value of a query (`ifNoneExist`).
std::string encodeSearchValue(std::string_view value);

}  // namespace fhirgw::connectors::detail
