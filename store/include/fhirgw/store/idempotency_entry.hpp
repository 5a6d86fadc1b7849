#pragma once

#include <string>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// The first answer given to an `Idempotency-Key`, kept to replay it.
struct IdempotencyEntry {
  std::string clientId;
  std::string key;
  std::string requestHash;  ///< hex SHA-256 of the canonical request body
  int responseStatus = 0;   ///< HTTP status first answered (usually 201)
  std::string responseBody;
  common::TimePoint createdAt;
  common::TimePoint expiresAt;
};

}  // namespace fhirgw::store
