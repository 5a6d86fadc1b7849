#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

/// Fills payload.resources (its identity already set) from its record's resources, latest
/// versions: a document delivery carries that document's resources plus the record-level
/// resources they reference, directly or through each other, and the PractitionerRoles of the
/// Practitioners so carried (the author's specialty and structure); an encounter delivery carries
/// every record-level resource. AuditEvent resources never leave the gateway, and another
/// document's resources are never carried. Each carried resource gets its parsed tree (the
/// recordResources' own trees are not read: their texts are parsed). kInvalidArgument when a
/// resource is not valid JSON (a permanent failure). The engine builds payloads from stored rows
/// with it (engine/payload_builder.hpp).
common::Status addPayloadResources(DeliveryPayload& payload,
                                   const std::vector<PayloadResource>& recordResources);

}  // namespace fhirgw::connectors
