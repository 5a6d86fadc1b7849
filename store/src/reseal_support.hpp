#pragma once

// Private to the store, whatever the engine: what a key rotation of encryption at rest does the
// same way on SQLite and PostgreSQL (store/src/*/reseal.cpp), so the two cannot drift apart.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/store/storage_encryption.hpp"

namespace fhirgw::store::detail {

/// The prefix of every value sealed under the ring's active key ("gcm1:<key id>:"), which a
/// pass leaves alone; kFailedPrecondition with encryption off (no key to seal under),
/// kInvalidArgument for a batch of no values.
inline common::Result<std::string> resealPrefix(const common::KeyRing* ring, std::size_t limit) {
  if (ring == nullptr) {
    return common::failedPrecondition("storage encryption is off: there is no key to seal under");
  }
  if (limit == 0) return common::invalidArgument("reseal: limit must be positive");
  return "gcm1:" + std::string(ring->activeKeyId()) + ":";
}

/// Counts `n` values of a column whose sealed prefix names `keyId` ("" for a value not sealed).
inline void addSealedValues(SealedColumnCount& count, const std::string& keyId, std::int64_t n,
                            const common::KeyRing* ring) {
  count.values += n;
  if (keyId.empty()) {
    count.plain += n;
  } else if (ring != nullptr && keyId == ring->activeKeyId()) {
    count.underActiveKey += n;
  } else {
    count.underOtherKeys[keyId] += n;
  }
}

}  // namespace fhirgw::store::detail
