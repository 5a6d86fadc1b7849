#pragma once

#include <string>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/delivery_payload.hpp"

namespace fhirgw::connectors {

/// Profile of the IHE MHD ITI-65 Bundle this gateway claims.
inline constexpr const char* kMhdMinimalProvideBundle =
    "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Minimal.ProvideBundle";

/// Fixed parts of the ITI-65 transaction.
struct ProvideBundleOptions {
  /// OID of the sending system, the SubmissionSet's sourceId ("1.2.250.1...", without urn:oid:).
  std::string sourceId;
};

/// Builds the IHE MHD ITI-65 "Provide Document Bundle" (ANS PDSm) of a document payload: a
/// `transaction` with one SubmissionSet `List`, the document's `DocumentReference`(s) and their
/// `Binary`(s), all POSTed, and no `Patient` entry: the subject is a logical reference by the
/// patient's INS identifier. Authors and custodian become contained resources; references the
/// bundle cannot resolve (encounter, related) are dropped. The SubmissionSet uniqueId (an OID
/// under 2.25) and entryUUID derive from the delivery id, and a missing document uniqueId from
/// the document id, so a retry resends the same ids and the recipient can refuse a duplicate.
/// kFailedPrecondition when the patient has no INS or there is no DocumentReference to send;
/// kInvalidArgument for a resource that is not JSON.
common::Result<std::string> buildProvideBundle(const DeliveryPayload& payload,
                                               const ProvideBundleOptions& options);

/// The same Bundle as a tree, before it is written (its serialize() is buildProvideBundle's text):
/// for a connector that validates what it sends without parsing its text again.
common::Result<common::Json> buildProvideBundleTree(const DeliveryPayload& payload,
                                                    const ProvideBundleOptions& options);

}  // namespace fhirgw::connectors
