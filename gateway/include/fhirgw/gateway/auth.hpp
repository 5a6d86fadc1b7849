#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/outage_log.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/gateway/exchange.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/store/client.hpp"
#include "fhirgw/store/client_store.hpp"
#include "fhirgw/store/shared_rate_limits.hpp"

namespace fhirgw::gateway {

/// Id of the administrator client created at first start when no admin token is configured.
inline constexpr std::string_view kBootstrapAdminId = "bootstrap-admin";

/// Who made a request.
struct Principal {
  std::string clientId;
  store::ClientRole role = store::ClientRole::kEditor;
  std::optional<std::int64_t> rateLimit;  ///< requests per minute, when limited
};

/// Resolves `Authorization: Bearer <token>` to a client: an API key of the store, or the
/// configured bootstrap admin token (checked against its salted hash in constant time).
class Authenticator {
 public:
  /// configuredAdminToken: FHIRGW_ADMIN_TOKEN / admin.token, or empty.
  Authenticator(const store::ClientStore& store, const std::string& configuredAdminToken);

  /// Answers 401 (no or bad credentials), 403 (wrong role) or 503 (store down) itself and
  /// returns nullopt; otherwise the principal, also set as the exchange's client id.
  std::optional<Principal> require(Exchange& exchange, store::ClientRole role) const;

 private:
  const store::ClientStore& store_;
  std::string adminTokenHash_;  // empty when no token is configured
};

/// Makes sure an administrator can log in. With a configured token nothing is stored. Without
/// one, at the first start, creates the `bootstrap-admin` client with a new admin key and
/// returns that key, to be shown once; later starts return nullopt.
common::Result<std::optional<std::string>> bootstrapAdmin(store::ClientStore& store,
                                                          const std::string& configuredAdminToken);

/// Per-client request rate limit: a token bucket refilled at `rateLimit` requests per minute,
/// holding at most one minute's worth. With `shared` (a store several instances share), the
/// bucket is the store's, so the limit holds for all the instances together; while the store
/// cannot answer, this instance's own bucket stands in (logged once per outage).
class RateLimiter {
 public:
  explicit RateLimiter(const common::Clock& clock, store::SharedRateLimits* shared = nullptr)
      : clock_(clock), shared_(shared), sharedFailures_(clock) {}
  /// Counts a request: nullopt when it may proceed, otherwise how long the client must wait
  /// before the next one would (Retry-After, at least one second).
  std::optional<std::chrono::seconds> throttle(const Principal& principal);

 private:
  struct Bucket {
    double tokens = 0;
    common::TimePoint refilledAt;
  };
  std::optional<std::chrono::seconds> local(const std::string& clientId, std::int64_t perMinute);

  const common::Clock& clock_;
  store::SharedRateLimits* const shared_;
  common::OutageLog sharedFailures_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

/// The routers' gate: the caller's key and role (Authenticator), then its rate limit for
/// rate-limited routes. A refused request is answered here (401, 403, 429 with Retry-After, 503).
class AccessGate {
 public:
  AccessGate(const Authenticator& auth, RateLimiter& limiter) : auth_(auth), limiter_(limiter) {}
  /// True when the request may reach the handler; the exchange then carries the client id.
  bool admit(Exchange& exchange, const RoutePolicy& policy) const;

 private:
  const Authenticator& auth_;
  RateLimiter& limiter_;
};

}  // namespace fhirgw::gateway
