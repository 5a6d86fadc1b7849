#pragma once

// How the delivery engine treats one instance's failures: plain values read from the instance's
// configuration (connector_config.hpp); the engine applies them (engine/retry_policy.hpp,
// engine/circuit_breaker.hpp).

#include <chrono>
#include <cstdint>
#include <optional>

namespace fhirgw::connectors {

/// When to try a failed delivery again (connectors.md "Retries, dead letters").
struct RetryPolicy {
  std::chrono::milliseconds initialDelay{5000};          ///< ceiling after the first failure
  double multiplier = 2.0;                               ///< ceiling growth per failure
  std::chrono::milliseconds maxDelay{15 * 60 * 1000};    ///< ceiling cap
  std::chrono::milliseconds maxAge{72LL * 3600 * 1000};  ///< retried until first attempt + this
  std::optional<std::int64_t> maxAttempts;               ///< optional limit on attempts
};

/// When a connector's circuit opens and for how long.
struct CircuitBreakerOptions {
  int failureThreshold = 5;                           ///< consecutive transient failures to open
  std::chrono::milliseconds openDuration{30000};      ///< first pause before a probe
  std::chrono::milliseconds maxOpenDuration{300000};  ///< the pause doubles per failed probe
};

}  // namespace fhirgw::connectors
