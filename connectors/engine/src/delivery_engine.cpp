#include "fhirgw/connectors/engine/delivery_engine.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fhirgw/common/log.hpp"
#include "fhirgw/common/outage_log.hpp"
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

/// One connector instance: its configuration, connector, circuit and workers. A replaced or
/// removed lane is retired: its workers claim nothing more and end once their attempt is
/// recorded; the shared_ptr keeps it (and its connector) alive while anything still uses it.
struct DeliveryEngine::Lane {
  Lane(ConnectorInstanceConfig c, std::shared_ptr<Connector> conn, const common::Clock& clock)
      : config(std::move(c)),
        connector(std::move(conn)),
        breaker(config.circuitBreaker),
        claimFailures(clock) {}
  const ConnectorInstanceConfig config;
  const std::shared_ptr<Connector> connector;
  CircuitBreaker breaker;
  // A store that stays unreachable: its workers retry every storeRetry, the log says so when
  // it starts, every few minutes and when it ends.
  common::OutageLog claimFailures;
  std::vector<std::thread> threads;  // changed and joined under adminMutex only
  std::atomic<bool> retired{false};  // set under Shared::mutex
  // Under Shared::mutex:
  std::size_t inFlight = 0;               // steps in progress (claim, attempt, record)
  std::vector<std::stop_source*> active;  // their cancellation sources
  std::size_t exited = 0;                 // workers that returned (joinable at once)
};

struct DeliveryEngine::Shared {
  Shared(store::DeliveryQueue& s, const common::Clock& c, EngineOptions o)
      : store(s), clock(c), options(std::move(o)), rng(std::random_device{}()) {}

  enum class Step { kWorked, kIdle, kBlocked, kStoreError };

  store::DeliveryQueue& store;  // the store's delivery-queue role: all the engine may use
  const common::Clock& clock;
  const EngineOptions options;
  std::function<void(const AttemptReport&)> observer;

  // Serialises start, stop and the live changes: only its holder starts or joins threads, so a
  // worker is never joined twice and stop() sees every lane.
  std::mutex adminMutex;

  std::mutex mutex;
  std::condition_variable wakeCv;  // workers wait here for work, a wake-up or the stop
  std::condition_variable idleCv;  // stop() and the changes wait here for attempts to end
  bool running = false;
  bool stopping = false;
  std::uint64_t wakeups = 0;
  // Under mutex, changed under adminMutex too:
  std::vector<std::shared_ptr<Lane>> lanes;    // the current instances
  std::vector<std::shared_ptr<Lane>> retired;  // replaced lanes whose workers may still run

  std::mutex randomMutex;
  std::mt19937_64 rng;

  /// The current lane of an instance; mutex held.
  std::shared_ptr<Lane> findLocked(std::string_view id) const {
    for (const auto& lane : lanes) {
      if (lane->config.id == id) return lane;
    }
    return nullptr;
  }
  std::shared_ptr<Lane> find(std::string_view id) {
    std::lock_guard lock(mutex);
    return findLocked(id);
  }

  double random() {
    if (options.random) return options.random();
    std::lock_guard lock(randomMutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  /// Starts a lane's workers; adminMutex and mutex held.
  void spawn(Lane& lane) {
    lane.exited = 0;
    for (int i = 0; i < lane.config.workers; ++i) {
      lane.threads.emplace_back([this, l = &lane] { worker(*l); });
    }
  }
  /// Retires a lane (its workers claim nothing more) and wakes them; mutex held.
  void retireLocked(Lane& lane) {
    lane.retired = true;
    wakeCv.notify_all();
  }
  /// Waits up to grace for a retired lane's attempts; past it, cancels them when `abort`.
  /// True when none is left. adminMutex held, mutex not.
  bool drain(Lane& lane, milliseconds grace, bool abort) {
    std::unique_lock lock(mutex);
    const bool done = idleCv.wait_for(lock, grace, [&] { return lane.inFlight == 0; });
    if (!done && abort) {
      for (std::stop_source* source : lane.active) source->request_stop();
    }
    return done;
  }
  /// Joins a lane's workers; adminMutex held, mutex not.
  static void join(Lane& lane) {
    for (std::thread& t : lane.threads) t.join();
    lane.threads.clear();
  }
  /// Joins the retired lanes whose workers all ended; adminMutex held, mutex not.
  void reap() {
    std::vector<std::shared_ptr<Lane>> done;
    {
      std::lock_guard lock(mutex);
      const auto ended = [](const std::shared_ptr<Lane>& l) {
        return l->exited == l->threads.size();
      };
      std::copy_if(retired.begin(), retired.end(), std::back_inserter(done), ended);
      std::erase_if(retired, ended);
    }
    for (const auto& lane : done) join(*lane);
  }

  /// An attempt made, waiting to be recorded with the rest of its batch.
  struct Finished {
    store::FinishedAttempt attempt;
    AttemptReport report;
    std::string cause;
  };

  common::Status remove(std::string_view connectorId, milliseconds grace);
  Step step(Lane& lane, std::optional<common::TimePoint>& wakeAt, const std::stop_token& stop,
            std::size_t& batch, std::size_t& processed);
  void process(Lane& lane, const store::Delivery& delivery, bool probe, const std::stop_token& stop,
               ParsedResourceCache* trees, std::vector<Finished>& results);
  void finish(Lane& lane, const std::vector<Finished>& results);
  /// True once the engine stops or the lane is retired: a batch starts no further attempt.
  bool halted(const Lane& lane) {
    std::lock_guard lock(mutex);
    return stopping || lane.retired;
  }
  void worker(Lane& lane);
};

/// DeliveryEngine::remove; adminMutex held.
common::Status DeliveryEngine::Shared::remove(std::string_view connectorId, milliseconds grace) {
  std::shared_ptr<Lane> lane;
  {
    std::lock_guard lock(mutex);
    const auto it = std::find_if(lanes.begin(), lanes.end(),
                                 [&](const auto& l) { return l->config.id == connectorId; });
    if (it == lanes.end()) {
      return common::notFound("engine: no connector " + std::string(connectorId));
    }
    lane = *it;
    lanes.erase(it);
    retireLocked(*lane);
  }
  // Past the grace period the attempts still running are cancelled, as at shutdown.
  drain(*lane, grace, /*abort=*/true);
  join(*lane);
  Log::info("connectors.instance-removed", {{"connectorId", lane->config.id}});
  return common::Status::ok();
}

DeliveryEngine::Shared::Step DeliveryEngine::Shared::step(Lane& lane,
                                                          std::optional<common::TimePoint>& wakeAt,
                                                          const std::stop_token& stop,
                                                          std::size_t& batch,
                                                          std::size_t& processed) {
  wakeAt.reset();
  const auto permission = lane.breaker.acquire(clock.now());
  if (permission == CircuitBreaker::Permission::kRejected) {
    wakeAt = lane.breaker.openUntil();
    return Step::kBlocked;
  }
  const bool probe = permission == CircuitBreaker::Permission::kProbe;
  // The claim grows while claims come back full (a backlog: fewer transactions per delivery)
  // and shrinks to what was there when they do not (a short queue stays spread over the
  // workers, each claiming one, as without batches).
  const std::size_t limit =
      probe ? 1 : std::clamp<std::size_t>(batch, 1, std::max<std::size_t>(options.claimBatch, 1));
  auto claimed = store.claimDeliveries({lane.config.id, options.instanceId, options.lease, limit});
  if (!claimed) {
    if (probe) lane.breaker.releaseProbe();
    if (const std::int64_t failures = lane.claimFailures.failed(); failures > 0) {
      Log::warning("connectors.claim-failed",
                   {{"connectorId", lane.config.id},
                    {"code", common::statusCodeName(claimed.error().code())},
                    {"failures", failures}});
    }
    return Step::kStoreError;
  }
  if (const std::int64_t failures = lane.claimFailures.succeeded(); failures > 0) {
    Log::info("connectors.claim-recovered",
              {{"connectorId", lane.config.id}, {"failures", failures}});
  }
  if (!probe) {
    batch = claimed->size() == limit ? limit * 2 : std::max<std::size_t>(claimed->size(), 1);
  }
  if (claimed->empty()) {
    if (probe) lane.breaker.releaseProbe();
    if (auto due = store.nextDeliveryDue(lane.config.id); due && *due) wakeAt = **due;
    return Step::kIdle;
  }
  // Further attempts of the batch start only within the window, so that each ends (and the
  // batch is recorded) while the lease holds: lease > window + the longest attempt.
  const common::TimePoint windowEnd =
      clock.now() + std::min(options.batchWindow, options.lease / 2);
  std::vector<Finished> results;
  results.reserve(claimed->size());
  // A record with several deliveries in the claim has its stored resources parsed once for them
  // (the fair claim spreads a backlog's picks over records: most claims then have one each).
  struct Count {
    std::size_t claimed = 0;  // deliveries of the record in the claim
    std::size_t left = 0;     // those not built yet
  };
  std::unordered_map<std::string, Count> perRecord;
  for (const store::Delivery& d : *claimed) {
    Count& c = perRecord[d.recordId];
    ++c.claimed;
    ++c.left;
  }
  ParsedResourceCache trees;
  for (std::size_t i = 0; i < claimed->size(); ++i) {
    const store::Delivery& d = (*claimed)[i];
    const common::TimePoint now = clock.now();
    const bool closed = i == 0 || lane.breaker.state(now) == CircuitBreaker::State::kClosed;
    if (lane.retired ||
        (i > 0 && (stop.stop_requested() || now >= windowEnd || !closed || halted(lane)))) {
      // Retired while claiming, stopping, out of time or the circuit opened: the rest of the
      // claim goes back untouched (no attempt counted), for the new lane or to wait.
      if (probe) lane.breaker.releaseProbe();
      for (std::size_t j = i; j < claimed->size(); ++j) {
        const store::Delivery& rest = (*claimed)[j];
        (void)store.releaseDelivery(rest.id, rest.leaseId.value_or(""), now);
      }
      break;
    }
    Count& count = perRecord[d.recordId];
    process(lane, d, probe, stop, count.claimed > 1 ? &trees : nullptr, results);
    if (--count.left == 0 && count.claimed > 1) trees.forget(d.recordId);
    ++processed;
  }
  finish(lane, results);
  return processed == 0 ? Step::kIdle : Step::kWorked;
}

void DeliveryEngine::Shared::process(Lane& lane, const store::Delivery& d, bool probe,
                                     const std::stop_token& stop, ParsedResourceCache* trees,
                                     std::vector<Finished>& results) {
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
    report.attempted = false;
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
  auto payload = makeDeliveryPayload(d, *resources, trees);
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
    // Shutdown or the instance's removal cut the attempt short: due again at once.
    f.next = store::DeliveryStatus::kFailed;
    f.outcome = store::AttemptOutcome::kInterrupted;
    f.errorClass = store::ErrorClass::kTransient;
    f.nextAttemptAt = end;
    f.message =
        lane.retired ? "interrupted: connector instance removed" : "interrupted by shutdown";
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
  results.push_back({std::move(f), std::move(report), std::move(cause)});
}

void DeliveryEngine::Shared::finish(Lane& lane, const std::vector<Finished>& results) {
  if (results.empty()) return;
  std::vector<store::FinishedAttempt> attempts;
  attempts.reserve(results.size());
  for (const Finished& r : results) attempts.push_back(r.attempt);
  // One transaction (one commit) for the batch's results.
  auto statuses = store.finishAttempts(attempts);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const store::FinishedAttempt& f = results[i].attempt;
    const AttemptReport& report = results[i].report;
    const common::Status status = statuses ? (*statuses)[i] : statuses.error();
    if (!status.isOk()) {
      // Lease lost or store down: the claim expires and the delivery is tried again (at least
      // once).
      Log::warning("connectors.finish-failed", {{"connectorId", lane.config.id},
                                                {"deliveryId", f.deliveryId},
                                                {"code", common::statusCodeName(status.code())}});
      continue;
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
      // The message stays in the attempt row: it may name a recipient's host. The log carries
      // the error class and a reason an operator can act on: why the delivery is dead
      // ("max-age", "permanent-error"...), else what failed ("http-503", "unavailable",
      // "file-io"...).
      const std::string& cause = results[i].cause;
      Log::warning("connectors.attempt-failed", {{"connectorId", lane.config.id},
                                                 {"deliveryId", f.deliveryId},
                                                 {"status", next},
                                                 {"errorClass", errorClass},
                                                 {"httpStatus", http},
                                                 {"reason", f.reason.value_or(cause)},
                                                 {"cause", cause}});
    }
    if (observer) observer(report);
  }
}

void DeliveryEngine::Shared::worker(Lane& lane) {
  std::size_t batch = 1;  // this worker's next claim size (step() adapts it)
  for (;;) {
    std::stop_source attempt;
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex);
      if (stopping || lane.retired) {
        ++lane.exited;
        return;
      }
      seen = wakeups;
      ++lane.inFlight;
      lane.active.push_back(&attempt);
    }
    std::optional<common::TimePoint> wakeAt;
    Step outcome = Step::kStoreError;
    try {
      std::size_t processed = 0;
      outcome = step(lane, wakeAt, attempt.get_token(), batch, processed);
    } catch (...) {
      // Not what(): the text of an arbitrary exception may carry stored content.
      Log::error("connectors.worker-error",
                 {{"connectorId", lane.config.id}, {"reason", "unexpected-exception"}});
    }
    {
      std::lock_guard lock(mutex);
      --lane.inFlight;
      lane.active.erase(std::find(lane.active.begin(), lane.active.end(), &attempt));
    }
    idleCv.notify_all();
    if (outcome == Step::kWorked) continue;

    milliseconds wait = outcome == Step::kStoreError ? options.storeRetry : options.idlePoll;
    if (wakeAt) {
      const auto untilDue = std::chrono::duration_cast<milliseconds>(*wakeAt - clock.now());
      wait = std::clamp(untilDue, milliseconds(1), wait);
    }
    std::unique_lock lock(mutex);
    wakeCv.wait_for(lock, wait, [&] { return stopping || lane.retired || wakeups != seen; });
  }
}

DeliveryEngine::DeliveryEngine(store::DeliveryQueue& queue, const common::Clock& clock,
                               EngineOptions options)
    : shared_(std::make_unique<Shared>(queue, clock, std::move(options))) {}

DeliveryEngine::~DeliveryEngine() { stop(milliseconds(0)); }

common::Status DeliveryEngine::add(const ConnectorInstanceConfig& config,
                                   std::shared_ptr<Connector> connector) {
  Shared& s = *shared_;
  std::lock_guard admin(s.adminMutex);
  s.reap();
  if (connector == nullptr) return common::invalidArgument("engine: no connector");
  {
    std::lock_guard lock(s.mutex);
    if (s.findLocked(config.id) != nullptr) {
      return common::alreadyExists("engine: connector " + config.id + " added twice");
    }
    if (!config.enabled) return common::Status::ok();
    auto lane = std::make_shared<Lane>(config, std::move(connector), s.clock);
    if (s.running) s.spawn(*lane);
    s.lanes.push_back(std::move(lane));
  }
  Log::info("connectors.instance-added", {{"connectorId", config.id}});
  return common::Status::ok();
}

common::Status DeliveryEngine::replace(const ConnectorInstanceConfig& config,
                                       std::shared_ptr<Connector> connector, milliseconds grace) {
  Shared& s = *shared_;
  std::lock_guard admin(s.adminMutex);
  s.reap();
  if (!config.enabled) {
    const common::Status removed = s.remove(config.id, grace);
    return removed.code() == common::StatusCode::kNotFound ? common::Status::ok() : removed;
  }
  if (connector == nullptr) return common::invalidArgument("engine: no connector");
  std::shared_ptr<Lane> old;
  {
    std::lock_guard lock(s.mutex);
    auto lane = std::make_shared<Lane>(config, std::move(connector), s.clock);
    if (s.running) s.spawn(*lane);
    const auto it = std::find_if(s.lanes.begin(), s.lanes.end(),
                                 [&](const auto& l) { return l->config.id == config.id; });
    if (it == s.lanes.end()) {
      s.lanes.push_back(std::move(lane));
    } else {
      old = std::exchange(*it, std::move(lane));
      s.retireLocked(*old);
      s.retired.push_back(old);
    }
  }
  if (old == nullptr) {
    Log::info("connectors.instance-added", {{"connectorId", config.id}});
    return common::Status::ok();
  }
  // Never aborted: the old lane's attempts finish with its connector, here or in the background
  // (reap() or stop() joins it then).
  if (s.drain(*old, grace, /*abort=*/false)) {
    {
      std::lock_guard lock(s.mutex);
      std::erase(s.retired, old);
    }
    Shared::join(*old);  // its workers claim nothing more: they are ending now
  }
  Log::info("connectors.instance-replaced", {{"connectorId", config.id}});
  return common::Status::ok();
}

common::Status DeliveryEngine::remove(std::string_view connectorId, milliseconds grace) {
  std::lock_guard admin(shared_->adminMutex);
  shared_->reap();
  return shared_->remove(connectorId, grace);
}

std::vector<std::string> DeliveryEngine::connectorIds() const {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(shared_->mutex);
    for (const auto& lane : shared_->lanes) ids.push_back(lane->config.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

common::Status DeliveryEngine::start() {
  Shared& s = *shared_;
  std::lock_guard admin(s.adminMutex);
  {
    std::lock_guard lock(s.mutex);
    if (s.running) return common::Status::ok();
  }
  if (s.options.lease <= milliseconds(0) || s.options.instanceId.empty()) {
    return common::invalidArgument("engine: lease and instanceId must be set");
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::int64_t recovered,
                          s.store.recoverInFlightDeliveries(s.options.instanceId));
  std::lock_guard lock(s.mutex);
  Log::info("connectors.engine-started", {{"instanceId", s.options.instanceId},
                                          {"connectors", s.lanes.size()},
                                          {"recovered", recovered}});
  s.running = true;
  s.stopping = false;
  for (auto& lane : s.lanes) s.spawn(*lane);
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
  std::lock_guard admin(s.adminMutex);
  bool clean = true;
  std::vector<std::shared_ptr<Lane>> all;
  {
    std::unique_lock lock(s.mutex);
    if (!s.running) return true;
    s.stopping = true;
    ++s.wakeups;
    s.wakeCv.notify_all();
    all = s.lanes;
    all.insert(all.end(), s.retired.begin(), s.retired.end());
    s.retired.clear();
    const auto idle = [&] {
      return std::all_of(all.begin(), all.end(), [](const auto& l) { return l->inFlight == 0; });
    };
    clean = s.idleCv.wait_for(lock, grace, idle);
    // Past the grace period: cancel what is still running (curl aborts, the attempt is
    // recorded as interrupted and due again).
    for (const auto& lane : all) {
      for (std::stop_source* source : lane->active) source->request_stop();
    }
  }
  for (const auto& lane : all) Shared::join(*lane);
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
  const std::shared_ptr<Lane> lane = shared_->find(connectorId);
  if (lane == nullptr) return common::notFound("engine: no connector " + std::string(connectorId));
  std::size_t attempts = 0;
  std::size_t batch = 1;
  for (;;) {
    std::optional<common::TimePoint> wakeAt;
    const Shared::Step step = shared_->step(*lane, wakeAt, {}, batch, attempts);
    if (step == Shared::Step::kStoreError) return common::unavailable("engine: store unavailable");
    if (step != Shared::Step::kWorked) return attempts;
  }
}

void DeliveryEngine::setObserver(std::function<void(const AttemptReport&)> observer) {
  std::lock_guard lock(shared_->mutex);
  shared_->observer = std::move(observer);
}

CircuitBreaker::State DeliveryEngine::circuitState(std::string_view connectorId) const {
  const std::shared_ptr<Lane> lane = shared_->find(connectorId);
  return lane == nullptr ? CircuitBreaker::State::kClosed
                         : lane->breaker.state(shared_->clock.now());
}

}  // namespace fhirgw::connectors
