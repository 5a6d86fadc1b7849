#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::common {
class Json;
}

namespace fhirgw::connectors {

/// One stored FHIR resource carried by a payload, as JSON text and, once selected, parsed.
struct PayloadResource {
  std::string resourceType;
  std::string resourceId;
  std::optional<std::string> documentId;  ///< the document it was produced for, if any
  std::string json;
  /// json parsed, set by addPayloadResources and never changed (it may be shared): the bundle
  /// builders read it instead of parsing json again. Null (a resource built by hand): they
  /// parse json.
  std::shared_ptr<const common::Json> tree = nullptr;
};

/// What one delivery sends: its identity and the stored FHIR resources it concerns. Connectors
/// turn it into their wire format; everything in it is deterministic across retries.
struct DeliveryPayload {
  std::string deliveryId;
  std::string recordId;
  std::optional<std::string> documentId;  ///< empty for the encounter itself
  std::string destination;                ///< "dmp", "treating-physician", "patient", "encounter"
  std::optional<std::string> target;      ///< the recipient's own address, when routed to it
  std::int64_t attempt = 1;               ///< 1 for the first attempt
  common::TimePoint createdAt;            ///< when the delivery was queued (stable on retry)
  std::vector<PayloadResource> resources;

  /// The first resource of a type, or nullptr.
  const PayloadResource* find(std::string_view resourceType) const;
};

/// Stored resources parsed for a payload, for the next payloads of the same record built from
/// the same claim: a tree is taken only for the same record, type, id and the very same text, so
/// it is never stale. The engine keeps one per claim (on one thread) for the records that have
/// several deliveries in it, and forgets a record after its last one.
class ParsedResourceCache {
 public:
  /// The tree of this resource of the record, when its text was parsed before; else null.
  std::shared_ptr<const common::Json> find(std::string_view recordId,
                                           const PayloadResource& resource) const;
  /// Keeps a tree just parsed from resource.json.
  void add(std::string_view recordId, const PayloadResource& resource,
           std::shared_ptr<const common::Json> tree);
  /// Drops the record's trees.
  void forget(std::string_view recordId);

 private:
  struct Parsed {
    std::string json;
    std::shared_ptr<const common::Json> tree;
  };
  using Trees = std::map<std::string, Parsed>;       // by "Type/id" (a type has no '/')
  std::map<std::string, Trees, std::less<>> trees_;  // by record
};

/// Fills payload.resources (its identity already set) from its record's resources, latest
/// versions: a document delivery carries that document's resources plus the record-level
/// resources they reference, directly or through each other, and the PractitionerRoles of the
/// Practitioners so carried (the author's specialty and structure); an encounter delivery carries
/// every record-level resource. AuditEvent resources never leave the gateway, and another
/// document's resources are never carried. Each carried resource gets its parsed tree (the
/// recordResources' own trees are not read: their texts are parsed, each only once it is carried
/// or followed: a document delivery never parses the record-level resources it neither carries
/// nor reaches). kInvalidArgument when such a resource is not valid JSON (a permanent failure).
/// With a cache, a text parsed for an earlier
/// payload of the record is not parsed again. The engine builds payloads from stored rows with it
/// (engine/payload_builder.hpp).
common::Status addPayloadResources(DeliveryPayload& payload,
                                   const std::vector<PayloadResource>& recordResources,
                                   ParsedResourceCache* cache = nullptr);

}  // namespace fhirgw::connectors
