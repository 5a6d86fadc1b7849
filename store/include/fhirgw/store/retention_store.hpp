#pragma once

#include <cstddef>
#include <cstdint>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"

namespace fhirgw::store {

/// Retention: health data and metadata deleted once their period is over. Each call is one short
/// write transaction over at most `limit` rows and returns how many it handled, so the caller
/// loops in batches and submissions are stored between two of them.
class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  /// Purges the content of up to `limit` records created before `cutoff` whose deliveries are all
  /// finished (delivered, dead or skipped): record and document bodies and outcomes emptied, FHIR
  /// resources deleted, delivery targets, errors and attempt messages cleared, `purged_at` set.
  /// A record with a delivery still pending, in flight or failed is left for a later pass.
  /// Returns how many records were purged.
  virtual common::Result<std::int64_t> purgeRecordContent(common::TimePoint cutoff,
                                                          std::size_t limit) = 0;
  /// Deletes up to `limit` records created before `cutoff` whose deliveries are all finished,
  /// with their documents, resources, deliveries and attempts, and the idempotency entries of
  /// their external ids (keys `tc-ext:<record externalId>`, `doc-ext:<document externalId>`);
  /// their teleconsultations still count in countTeleconsultations. Returns how many records
  /// were deleted.
  virtual common::Result<std::int64_t> deleteRecords(common::TimePoint cutoff,
                                                     std::size_t limit) = 0;
  /// Deletes up to `limit` audit entries written before `cutoff`; returns how many.
  virtual common::Result<std::int64_t> deleteAuditEntries(common::TimePoint cutoff,
                                                          std::size_t limit) = 0;
  /// Deletes up to `limit` expired idempotency entries; returns how many.
  virtual common::Result<std::int64_t> purgeExpiredIdempotencyEntries(std::size_t limit) = 0;
};

}  // namespace fhirgw::store
