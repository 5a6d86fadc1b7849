#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/store/idempotency_entry.hpp"
#include "fhirgw/store/record_store.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::gateway {

/// The longest Idempotency-Key accepted (editor-api.md).
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 200;

/// Where an idempotent request is remembered and how it is compared: the body's externalId
/// (under a prefix per use case) and the Idempotency-Key, both tied to a hash of the target and
/// the canonical body.
struct IdempotencyPlan {
  std::optional<std::string> externalKey;  ///< "tc-ext:..." or "doc-ext:..." from the body
  std::optional<std::string> headerKey;    ///< "hdr:..." from Idempotency-Key
  std::string requestHash;

  /// The entries to store with the submission: one per key, so that a later request reusing
  /// either key with another body is a conflict. The externalId's entry keeps `residue` (what a
  /// replay cannot rebuild from the stored record, see replayResidue); an Idempotency-Key's
  /// entry keeps `answer` when there is no externalId, and nothing when there is one (the
  /// externalId then decides every replay: only the key's hash is ever compared).
  std::vector<store::NewIdempotencyEntry> entriesFor(int status, const std::string& answer,
                                                     const std::string& residue) const;
};

/// What the replay of an accepted teleconsultation cannot read back from the stored record: its
/// outcome (retention empties the record's), how many of the record's documents and deliveries
/// the answer listed (documents added later are not in it), and each delivery's connector,
/// status and reason as first answered (the queue, retries and re-routes change them).
std::string recordReplayResidue(const std::vector<fhir::Issue>& kept, std::size_t documents,
                                const std::vector<store::NewDelivery>& deliveries);
/// The same for an accepted document (its deliveries are all those of the document).
std::string documentReplayResidue(const std::vector<fhir::Issue>& kept,
                                  const std::vector<store::NewDelivery>& deliveries);

/// The answer a remembered entry replays: the body stored with it, or, for a residue, the first
/// answer rebuilt from the stored record (the same bytes). kInternal when the rows the residue
/// names are not all there; store errors as they are.
common::Result<std::string> replayAnswer(const store::RecordStore& records,
                                         std::string_view clientId,
                                         const store::IdempotencyEntry& entry);

/// The plan of a request to `target` ("POST /api/v1/teleconsultations"); headerKey is the
/// Idempotency-Key ("" when absent). kInvalidArgument when it is longer than 200 bytes.
common::Result<IdempotencyPlan> planIdempotency(const common::JsonDocument& body,
                                                std::string_view target, std::string_view keyPrefix,
                                                std::string_view headerKey);

/// What the remembered answers say about a planned request.
struct IdempotencyCheck {
  enum class Kind {
    kNew,       ///< no key was seen before: proceed
    kReplay,    ///< the same request was answered before: give `entry` again
    kConflict,  ///< a key was used with another body: `issue` (409)
  };
  Kind kind = Kind::kNew;
  store::IdempotencyEntry entry;  ///< kReplay, responseBody the answer (replayAnswer's)
  fhir::Issue issue;              ///< kConflict
};

/// Looks the plan's keys up; the externalId decides when both are present. Store errors are
/// returned as they are.
common::Result<IdempotencyCheck> checkIdempotency(const store::RecordStore& records,
                                                  std::string_view clientId,
                                                  const IdempotencyPlan& plan);

}  // namespace fhirgw::gateway
