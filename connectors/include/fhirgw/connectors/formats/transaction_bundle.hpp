#pragma once

#include <string>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/delivery_payload.hpp"

namespace fhirgw::connectors {

/// How the FHIR REST transaction is built.
struct TransactionBundleOptions {
  /// PUT Type/id (update as create; the server must accept client-assigned ids) instead of
  /// conditional creates. Resources that cannot carry an identifier (Provenance) are then sent
  /// too.
  bool clientAssignedIds = false;
};

/// Builds the `transaction` Bundle of a payload so that replays do not duplicate: each resource
/// is a conditional create (`ifNoneExist` on its first identifier with a system and a value; a
/// resource that can carry an identifier but has none gets `urn:ietf:rfc:3986` |
/// `urn:uuid:<its id>`), references to payload resources point at the entries' fullUrls, and a
/// Binary referenced by a DocumentReference is inlined into the attachment (a Binary has no
/// identifier for a conditional create). Without clientAssignedIds, resources that cannot carry
/// an identifier (Provenance, a Binary nothing references) are left out. kInvalidArgument when
/// a resource is not JSON or nothing is left to send.
common::Result<std::string> buildTransactionBundle(const DeliveryPayload& payload,
                                                   const TransactionBundleOptions& options = {});

/// The same Bundle as a tree, before it is written (its serialize() is buildTransactionBundle's
/// text): for a connector that validates what it sends without parsing its text again.
common::Result<common::Json> buildTransactionBundleTree(
    const DeliveryPayload& payload, const TransactionBundleOptions& options = {});

}  // namespace fhirgw::connectors
