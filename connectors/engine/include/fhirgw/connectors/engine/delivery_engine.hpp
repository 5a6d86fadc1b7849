#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/engine/circuit_breaker.hpp"
#include "fhirgw/store/delivery_queue.hpp"

namespace fhirgw::connectors {

/// Settings of the delivery engine (one per gateway instance).
struct EngineOptions {
  /// Lease owner name: unique among running instances sharing a store, and stable across this
  /// instance's restarts so that its own unfinished claims are retried at start-up at once.
  std::string instanceId = "gateway";
  /// How long a claim lasts (the gateway's storage.deliveryLeaseMs); after it another instance
  /// may claim the delivery again, so a dead instance's claims are taken over this long after
  /// they were made. It must exceed min(batchWindow, lease / 2) plus the longest attempt (the
  /// connectors' timeouts, `timeoutMs` at most 4 minutes): every attempt of a claim is then
  /// recorded while its lease holds, and a healthy instance never has a delivery sent twice.
  /// Not checked here (a connector's timeouts are its own options): docs/operations.md says
  /// how to choose it.
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  /// The most due deliveries a worker claims at once (one store transaction); their results are
  /// recorded together too (one transaction) once the batch is done. A worker's claims start at
  /// one, double while they come back full (a backlog) up to this, and fall back to what was
  /// there when not. 1: one by one. A circuit probe always claims one.
  std::size_t claimBatch = 64;
  /// A batch starts further attempts only this long after its claim (at most half the lease);
  /// what is left then (or when the circuit opens, the instance is retired or the engine stops)
  /// goes back to the queue untouched, due at once.
  std::chrono::milliseconds batchWindow{std::chrono::seconds(30)};
  /// How often an idle worker looks at the store again without being woken (deliveries queued
  /// by another instance, retries coming due).
  std::chrono::milliseconds idlePoll{std::chrono::seconds(2)};
  /// Pause after a store failure before trying again.
  std::chrono::milliseconds storeRetry{std::chrono::seconds(1)};
  /// Uniform [0, 1) source for the backoff jitter; empty: a seeded PRNG. Tests fix it.
  std::function<double()> random;
};

/// One finished attempt, for metrics and logs (ids and classes only).
struct AttemptReport {
  std::string connectorId;
  std::string deliveryId;
  store::DeliveryStatus next = store::DeliveryStatus::kDelivered;  ///< the delivery's new state
  std::optional<ErrorClass> errorClass;
  std::optional<int> httpStatus;
  std::optional<std::string> reason;  ///< why dead
  /// False when the delivery was given up without an attempt (its budget already spent).
  bool attempted = true;
  std::chrono::microseconds duration{0};
};

/// Pushes queued deliveries to their connectors and never loses one: worker threads per
/// connector instance claim due deliveries from the store with a lease, call the connector,
/// record every attempt, and schedule retries (exponential backoff with full jitter, Retry-After,
/// 72-hour and optional attempt limits) or give up (dead). Each instance has its own queue,
/// workers and circuit breaker, so one dead endpoint never delays the others.
class DeliveryEngine {
 public:
  /// `queue` (the store's delivery-queue role) and `clock` must outlive the engine.
  DeliveryEngine(store::DeliveryQueue& queue, const common::Clock& clock,
                 EngineOptions options = {});
  /// Stops (with no grace) if still running.
  ~DeliveryEngine();
  DeliveryEngine(const DeliveryEngine&) = delete;
  DeliveryEngine& operator=(const DeliveryEngine&) = delete;

  /// Adds a connector instance; while running, its workers start at once. Disabled instances
  /// are ignored. kAlreadyExists for an id already known.
  common::Status add(const ConnectorInstanceConfig& config, std::shared_ptr<Connector> connector);
  /// Replaces an instance's settings and connector: the old lane stops claiming at once, the new
  /// one (new workers, new circuit breaker) starts at once, and attempts in progress finish under
  /// the old settings and connector. The caller waits at most `grace` for them; past it they go
  /// on in the background (never aborted) and their workers are joined by a later change or by
  /// stop(). Adds the instance when unknown; a disabled config removes it (no error if unknown).
  common::Status replace(const ConnectorInstanceConfig& config,
                         std::shared_ptr<Connector> connector, std::chrono::milliseconds grace);
  /// Stops an instance: no new claims, attempts in progress finish (waiting up to `grace`, then
  /// aborted and recorded as interrupted, like stop()), workers joined before it returns. Its
  /// queued deliveries stay in the store untouched (pending and failed ones keep waiting for an
  /// instance of that id, or an admin re-route). kNotFound for an unknown id.
  common::Status remove(std::string_view connectorId, std::chrono::milliseconds grace);
  /// The ids of the instances known now (running ones once started), sorted.
  std::vector<std::string> connectorIds() const;
  /// Start-up recovery (this instance's unfinished and expired claims are retried), then the
  /// workers. kUnavailable when the store cannot recover now.
  common::Status start();
  /// New deliveries were committed (or, in tests, the clock moved): idle workers look again.
  void wake();
  /// Stops claiming, waits up to `grace` for attempts in progress (replaced lanes' included),
  /// then aborts the rest (their network I/O is cancelled and the attempt recorded as
  /// interrupted) and joins every worker.
  /// True when every attempt finished within the grace period.
  bool stop(std::chrono::milliseconds grace);
  /// True between start() and stop().
  bool running() const;

  /// Processes the due deliveries of one instance in the calling thread until none is due (or
  /// its circuit opens); returns the number of attempts made. Deterministic: for tests and
  /// tools; safe alongside running workers (claims are leased).
  common::Result<std::size_t> runDue(std::string_view connectorId);

  /// Called after every finished attempt (replaced lanes' too), on the worker's thread; set
  /// before start().
  void setObserver(std::function<void(const AttemptReport&)> observer);
  /// The circuit state of an instance (closed for an unknown id).
  CircuitBreaker::State circuitState(std::string_view connectorId) const;

 private:
  struct Lane;
  struct Shared;
  std::unique_ptr<Shared> shared_;
};

}  // namespace fhirgw::connectors
