#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fhirgw/common/result.hpp"

namespace fhirgw::store {

/// How the values of one column sealed at rest stand.
struct SealedColumnCount {
  std::string table;
  std::string column;
  std::int64_t values = 0;          ///< values held (NULL and empty ones not counted)
  std::int64_t underActiveKey = 0;  ///< sealed under the active key
  std::int64_t plain = 0;           ///< written while encryption was off
  std::map<std::string, std::int64_t> underOtherKeys;  ///< key id -> values sealed under it
};

/// Where a re-encryption pass stands: a column (index in the store's list of sealed columns)
/// and the last row (SQLite rowid) it has been through.
struct ResealCursor {
  std::size_t column = 0;
  std::int64_t afterRow = 0;
};

/// What one batch of a re-encryption pass did.
struct ResealBatch {
  ResealCursor next;          ///< where the next batch starts
  bool done = false;          ///< every sealed column has been walked
  std::int64_t resealed = 0;  ///< values now sealed under the active key
  std::int64_t unopened = 0;  ///< values that could not be opened, left as they are
  std::string firstProblem;   ///< why the first of those did not open (no health data)
};

/// Encryption at rest, for the rotation command: counts by key, and sealing again under the
/// active key in short batches while the gateway runs.
class StorageEncryption {
 public:
  virtual ~StorageEncryption() = default;

  /// Per sealed column, its values by key (a scan of every value's prefix, on a read connection).
  virtual common::Result<std::vector<SealedColumnCount>> countSealedValues() const = 0;
  /// Seals again under the active key up to `limit` values that are not (plain ones included),
  /// from `cursor` on, in one write transaction that re-reads each value, so a value written
  /// meanwhile is never replaced by an older one. kFailedPrecondition when encryption is off.
  virtual common::Result<ResealBatch> resealBatch(const ResealCursor& cursor,
                                                  std::size_t limit) = 0;
  /// Copies the WAL into the database file and truncates it, so replaced values do not linger
  /// in it; false when a reader kept it from completing.
  virtual common::Result<bool> checkpointWal() = 0;
};

}  // namespace fhirgw::store
