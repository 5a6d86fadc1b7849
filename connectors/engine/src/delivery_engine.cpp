#include "fhirgw/connectors/engine/delivery_engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "fhirgw/common/log.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/engine/retry_policy.hpp"
#include "fhirgw/connectors/engine/store_rows.hpp"

namespace fhirgw::connectors {
namespace {

using Log = common::Log;
using std::chrono::milliseconds;

constexpr std::size_t kMaxMessage = 500;

std::string shorten(std::string message) {
  if (message.size() > kMaxMessage) message.resize(kMaxMessage);
  return message;
}

}  // namespace

/// One connector instance: its configuration, connector, circuit and workers.
struct DeliveryEngine::Lane {
  Lane(ConnectorInstanceConfig c, std::shared_ptr<Connector> conn)
      : config(std::move(c)), connector(std::move(conn)), breaker(config.circuitBreaker) {}
  ConnectorInstanceConfig config;
  std::shared_ptr<Connector> connector;
  CircuitBreaker breaker;
  std::vector<std::thread> threads;
};

struct DeliveryEngine::Shared {
  Shared(store::DeliveryQueue& s, const common::Clock& c, EngineOptions o)
      : store(s), clock(c), options(std::move(o)), rng(std::random_device{}()) {}

  enum class Step { kWorked, kIdle, kBlocked, kStoreError };

  store::DeliveryQueue& store;  // the store's delivery-queue role: all the engine may use
  const common::Clock& clock;
  const EngineOptions options;
  std::vector<std::unique_ptr<Lane>> lanes;
  std::function<void(const AttemptReport&)> observer;

  std::mutex mutex;
  std::condition_variable wakeCv;  // workers wait here for work, a wake-up or the stop
  std::condition_variable idleCv;  // stop() waits here for attempts in progress to end
  bool running = false;
  bool stopping = false;
  std::uint64_t wakeups = 0;
  std::size_t inFlight = 0;
  std::vector<std::stop_source*> active;

  std::mutex randomMutex;
  std::mt19937_64 rng;

  Lane* find(std::string_view id) const {
    for (const auto& lane : lanes) {
      if (lane->config.id == id) return lane.get();
    }
    return nullptr;
  }

  double random() {
    if (options.random) return options.random();
    std::lock_guard lock(randomMutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  Step step(Lane& lane, std::optional<common::TimePoint>& wakeAt, const std::stop_token& stop);
  void process(Lane& lane, const store::Delivery& delivery, bool probe,
               const std::stop_token& stop);
  void finish(Lane& lane, const store::FinishedAttempt& finished, const AttemptReport& report,
              std::string_view cause);
  void worker(Lane& lane);
};

DeliveryEngine::Shared::Step DeliveryEngine::Shared::step(Lane& lane,
                                                          std::optional<common::TimePoint>& wakeAt,
                                                          const std::stop_token& stop) {
  wakeAt.reset();
  const auto permission = lane.breaker.acquire(clock.now());
  if (permission == CircuitBreaker::Permission::kRejected) {
    wakeAt = lane.breaker.openUntil();
    return Step::kBlocked;
  }
  const bool probe = permission == CircuitBreaker::Permission::kProbe;
  auto claimed = store.claimDeliveries({lane.config.id, options.instanceId, options.lease, 1});
  if (!claimed || claimed->empty()) {
    if (probe) lane.breaker.releaseProbe();
    if (!claimed) {
      Log::warning("connectors.claim-failed",
                   {{"connectorId", lane.config.id},
                    {"code", common::statusCodeName(claimed.error().code())}});
      return Step::kStoreError;
    }
    if (auto due = store.nextDeliveryDue(lane.config.id); due && *due) wakeAt = **due;
    return Step::kIdle;
  }
  process(lane, claimed->front(), probe, stop);
  return Step::kWorked;
}

void DeliveryEngine::Shared::process(Lane& lane, const store::Delivery& d, bool probe,
                                     const std::stop_token& stop) {
  const RetryPolicy& policy = lane.config.retry;
  const common::TimePoint start = clock.now();
  const auto realStart = std::chrono::steady_clock::now();
  const std::string leaseId = d.leaseId.value_or("");
  AttemptReport report;
  report.connectorId = lane.config.id;
  report.deliveryId = d.id;

  // Interrupted attempts (crashes) count: a payload that kills the process every time ends dead.
  const char* spent = nullptr;
  if (budgetSpent(policy, d.attempts, d.firstAttemptAt, start, spent)) {
    if (probe) lane.breaker.releaseProbe();
    if (common::Status s = store.abandonDelivery(d.id, leaseId, spent); !s.isOk()) {
      Log::warning("connectors.abandon-failed", {{"connectorId", lane.config.id},
                                                 {"deliveryId", d.id},
                                                 {"code", common::statusCodeName(s.code())}});
      return;
    }
    Log::warning("connectors.delivery-dead",
                 {{"connectorId", lane.config.id}, {"deliveryId", d.id}, {"reason", spent}});
    report.next = store::DeliveryStatus::kDead;
    report.reason = spent;
    if (observer) observer(report);
    return;
  }

  // Only the rows this payload can need (record-level + its own document): a record with
  // thousands of documents must not make each of its deliveries read all of them (issue 8).
  auto resources = store.listPayloadFhirResources(d.recordId, d.documentId);
  if (!resources) {
    // The store, not the peer, failed: give the claim back without counting an attempt.
    if (probe) lane.breaker.releaseProbe();
    (void)store.releaseDelivery(d.id, leaseId, start + options.storeRetry);
    Log::warning("connectors.payload-unavailable",
                 {{"connectorId", lane.config.id},
                  {"deliveryId", d.id},
                  {"code", common::statusCodeName(resources.error().code())}});
    return;
  }
  DeliveryResult result;
  auto payload = makeDeliveryPayload(d, *resources);
  if (!payload) {
    result = DeliveryResult::permanent(payload.error().message()).because("payload-unreadable");
  } else {
    try {
      result = lane.connector->deliver(*payload, stop);
    } catch (...) {
      // Never what(): an arbitrary exception's text may quote the payload (health data), and it
      // would reach the attempt row and the log.
      result = DeliveryResult::transient("connector error: unexpected exception")
                   .because("connector-exception");
    }
  }
  const common::TimePoint end = clock.now();
  report.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - realStart);
  report.errorClass = result.errorClass;
  report.httpStatus = result.httpStatus;

  store::FinishedAttempt f;
  f.deliveryId = d.id;
  f.leaseId = leaseId;
  f.startedAt = start;
  if (result.errorClass) f.errorClass = toStoreErrorClass(*result.errorClass);
  f.httpStatus = result.httpStatus;
  if (!result.message.empty()) f.message = shorten(result.message);
  const bool cancelled = stop.stop_requested() && !result.delivered();
  if (result.delivered()) {
    f.next = store::DeliveryStatus::kDelivered;
    f.outcome = store::AttemptOutcome::kDelivered;
    lane.breaker.onSuccess();
  } else if (cancelled) {
    // Shutdown cut the attempt short: due again at once when an instance runs.
    f.next = store::DeliveryStatus::kFailed;
    f.outcome = store::AttemptOutcome::kInterrupted;
    f.errorClass = store::ErrorClass::kTransient;
    f.nextAttemptAt = end;
    f.message = "interrupted by shutdown";
    result.reason = "interrupted";
    if (probe) lane.breaker.releaseProbe();
  } else if (*result.errorClass == ErrorClass::kPermanent) {
    f.next = store::DeliveryStatus::kDead;
    f.outcome = store::AttemptOutcome::kFailed;
    f.reason = "permanent-error";
    // The peer answered: the endpoint is alive.
    lane.breaker.onSuccess();
  } else {
    f.outcome = store::AttemptOutcome::kFailed;
    const RetryDecision decision = decideRetry(
        policy, d.attempts + 1, d.firstAttemptAt.value_or(start), end, random(), result.retryAfter);
    if (decision.giveUp) {
      f.next = store::DeliveryStatus::kDead;
      f.reason = decision.reason;
    } else {
      f.next = store::DeliveryStatus::kFailed;
      f.nextAttemptAt = decision.nextAttemptAt;
    }
    lane.breaker.onTransientFailure(end);
  }
  report.next = f.next;
  report.reason = f.reason;
  // What failed, for the log: the connector's code, else the error class; never the message.
  std::string cause = result.reason;
  if (cause.empty() && f.errorClass) cause = std::string(store::errorClassName(*f.errorClass));
  finish(lane, f, report, cause);
}

void DeliveryEngine::Shared::finish(Lane& lane, const store::FinishedAttempt& f,
                                    const AttemptReport& report, std::string_view cause) {
  const common::Status status = store.finishAttempt(f);
  if (!status.isOk()) {
    // Lease lost or store down: the claim expires and the delivery is tried again (at least once).
    Log::warning("connectors.finish-failed", {{"connectorId", lane.config.id},
                                              {"deliveryId", f.deliveryId},
                                              {"code", common::statusCodeName(status.code())}});
    return;
  }
  const std::string_view next = store::deliveryStatusName(f.next);
  const std::string_view errorClass = f.errorClass ? store::errorClassName(*f.errorClass) : "";
  const std::int64_t http = f.httpStatus.value_or(0);
  if (f.next == store::DeliveryStatus::kDelivered) {
    Log::info("connectors.delivered",
              {{"connectorId", lane.config.id},
               {"deliveryId", f.deliveryId},
               {"httpStatus", http},
               {"durationUs", static_cast<std::int64_t>(report.duration.count())}});
  } else {
    // The message stays in the attempt row: it may name a recipient's host. The log carries the
    // error class and a reason an operator can act on: why the delivery is dead ("max-age",
    // "permanent-error"...), else what failed ("http-503", "unavailable", "file-io"...).
    Log::warning("connectors.attempt-failed", {{"connectorId", lane.config.id},
                                               {"deliveryId", f.deliveryId},
                                               {"status", next},
                                               {"errorClass", errorClass},
                                               {"httpStatus", http},
                                               {"reason", f.reason.value_or(std::string(cause))},
                                               {"cause", cause}});
  }
  if (observer) observer(report);
}

void DeliveryEngine::Shared::worker(Lane& lane) {
  for (;;) {
    std::stop_source attempt;
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      seen = wakeups;
      ++inFlight;
      active.push_back(&attempt);
    }
    std::optional<common::TimePoint> wakeAt;
    Step outcome = Step::kStoreError;
    try {
      outcome = step(lane, wakeAt, attempt.get_token());
    } catch (...) {
      // Not what(): the text of an arbitrary exception may carry stored content.
      Log::error("connectors.worker-error",
                 {{"connectorId", lane.config.id}, {"reason", "unexpected-exception"}});
    }
    {
      std::lock_guard lock(mutex);
      --inFlight;
      active.erase(std::find(active.begin(), active.end(), &attempt));
    }
    idleCv.notify_all();
    if (outcome == Step::kWorked) continue;

    milliseconds wait = outcome == Step::kStoreError ? options.storeRetry : options.idlePoll;
    if (wakeAt) {
      const auto untilDue = std::chrono::duration_cast<milliseconds>(*wakeAt - clock.now());
      wait = std::clamp(untilDue, milliseconds(1), wait);
    }
    std::unique_lock lock(mutex);
    wakeCv.wait_for(lock, wait, [&] { return stopping || wakeups != seen; });
  }
}

DeliveryEngine::DeliveryEngine(store::DeliveryQueue& queue, const common::Clock& clock,
                               EngineOptions options)
    : shared_(std::make_unique<Shared>(queue, clock, std::move(options))) {}

DeliveryEngine::~DeliveryEngine() { stop(milliseconds(0)); }

common::Status DeliveryEngine::add(const ConnectorInstanceConfig& config,
                                   std::shared_ptr<Connector> connector) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->running) return common::failedPrecondition("engine: add connectors before start");
  if (connector == nullptr) return common::invalidArgument("engine: no connector");
  if (shared_->find(config.id) != nullptr) {
    return common::alreadyExists("engine: connector " + config.id + " added twice");
  }
  if (!config.enabled) return common::Status::ok();
  shared_->lanes.push_back(std::make_unique<Lane>(config, std::move(connector)));
  return common::Status::ok();
}

common::Status DeliveryEngine::start() {
  Shared& s = *shared_;
  {
    std::lock_guard lock(s.mutex);
    if (s.running) return common::Status::ok();
  }
  if (s.options.lease <= milliseconds(0) || s.options.instanceId.empty()) {
    return common::invalidArgument("engine: lease and instanceId must be set");
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::int64_t recovered,
                          s.store.recoverInFlightDeliveries(s.options.instanceId));
  Log::info("connectors.engine-started", {{"instanceId", s.options.instanceId},
                                          {"connectors", s.lanes.size()},
                                          {"recovered", recovered}});
  std::lock_guard lock(s.mutex);
  s.running = true;
  s.stopping = false;
  for (auto& lane : s.lanes) {
    for (int i = 0; i < lane->config.workers; ++i) {
      lane->threads.emplace_back([&s, l = lane.get()] { s.worker(*l); });
    }
  }
  return common::Status::ok();
}

void DeliveryEngine::wake() {
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->wakeups;
  }
  shared_->wakeCv.notify_all();
}

bool DeliveryEngine::stop(milliseconds grace) {
  Shared& s = *shared_;
  bool clean = true;
  {
    std::unique_lock lock(s.mutex);
    if (!s.running) return true;
    s.stopping = true;
    ++s.wakeups;
    s.wakeCv.notify_all();
    clean = s.idleCv.wait_for(lock, grace, [&] { return s.inFlight == 0; });
    // Past the grace period: cancel what is still running (curl aborts, the attempt is
    // recorded as interrupted and due again).
    for (std::stop_source* source : s.active) source->request_stop();
  }
  for (auto& lane : s.lanes) {
    for (std::thread& t : lane->threads) t.join();
    lane->threads.clear();
  }
  std::lock_guard lock(s.mutex);
  s.running = false;
  Log::info("connectors.engine-stopped", {{"clean", clean}});
  return clean;
}

bool DeliveryEngine::running() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->running;
}

common::Result<std::size_t> DeliveryEngine::runDue(std::string_view connectorId) {
  Lane* lane = shared_->find(connectorId);
  if (lane == nullptr) return common::notFound("engine: no connector " + std::string(connectorId));
  std::size_t attempts = 0;
  for (;;) {
    std::optional<common::TimePoint> wakeAt;
    const Shared::Step step = shared_->step(*lane, wakeAt, {});
    if (step == Shared::Step::kStoreError) return common::unavailable("engine: store unavailable");
    if (step != Shared::Step::kWorked) return attempts;
    ++attempts;
  }
}

void DeliveryEngine::setObserver(std::function<void(const AttemptReport&)> observer) {
  std::lock_guard lock(shared_->mutex);
  shared_->observer = std::move(observer);
}

CircuitBreaker::State DeliveryEngine::circuitState(std::string_view connectorId) const {
  const Lane* lane = shared_->find(connectorId);
  return lane == nullptr ? CircuitBreaker::State::kClosed
                         : lane->breaker.state(shared_->clock.now());
}

}  // namespace fhirgw::connectors
