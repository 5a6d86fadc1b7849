#include "fhirgw/gateway/gateway_metrics.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <system_error>

#include "fhirgw/common/log.hpp"

namespace fhirgw::gateway {
namespace {

using common::CollectedFamily;
using common::MetricType;

// Prometheus' default buckets: from a health check to a slow delivery.
std::vector<double> secondsBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// A client can send any method name: only the known ones become label values.
std::string_view methodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",    "HEAD",    "POST", "PUT",
                                                             "DELETE", "OPTIONS", "PATCH"};
  for (const std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

std::string_view outcomeLabel(SubmissionStatus status) {
  switch (status) {
    case SubmissionStatus::kAccepted:
      return "accepted";
    case SubmissionStatus::kReplayed:
      return "replayed";
    case SubmissionStatus::kMalformed:
      return "malformed";
    case SubmissionStatus::kRefused:
      return "refused";
    case SubmissionStatus::kConflict:
      return "conflict";
    case SubmissionStatus::kFailed:
      return "failed";
  }
  return "failed";
}

double circuitValue(connectors::CircuitBreaker::State state) {
  switch (state) {
    case connectors::CircuitBreaker::State::kClosed:
      return 0;
    case connectors::CircuitBreaker::State::kHalfOpen:
      return 1;
    case connectors::CircuitBreaker::State::kOpen:
      return 2;
  }
  return 0;
}

}  // namespace

GatewayMetrics::GatewayMetrics(const store::Store* store, const connectors::DeliveryEngine* engine,
                               const common::Clock& clock)
    : store_(store),
      engine_(engine),
      clock_(clock),
      requests_(registry_.counter("fhirgw_http_requests_total",
                                  "HTTP requests answered, by listener, method, route pattern and "
                                  "status (route \"(front)\": refused before routing).",
                                  {"listener", "method", "route", "status"})),
      requestSeconds_(registry_.histogram("fhirgw_http_request_duration_seconds",
                                          "Time from reading a request's head to its answer.",
                                          {"listener", "route"}, secondsBuckets())),
      submissions_(
          registry_.counter("fhirgw_submissions_total",
                            "Teleconsultations and documents submitted, by kind and outcome "
                            "(accepted, replayed, malformed, refused, conflict, failed).",
                            {"kind", "outcome"})),
      ruleHits_(registry_.counter(
          "fhirgw_rule_hits_total",
          "Issues raised by a rule in submissions, by rule ID and severity (error refuses).",
          {"rule", "severity"})),
      attempts_(registry_.counter(
          "fhirgw_delivery_attempts_total",
          "Delivery attempts finished, by connector, outcome (delivered, failed) and error class.",
          {"connector", "outcome", "error_class"})),
      attemptSeconds_(registry_.histogram("fhirgw_delivery_attempt_duration_seconds",
                                          "Duration of delivery attempts.", {"connector"},
                                          secondsBuckets())),
      deadLetters_(registry_.counter("fhirgw_dead_letters_total",
                                     "Deliveries given up (dead), by connector.", {"connector"})),
      retentionPurged_(registry_.counter(
          "fhirgw_retention_purged_total",
          "Rows handled by retention, by task: content (records whose content was purged), "
          "records and audit (deleted), idempotency (expired entries deleted).",
          {"task"})) {
  registry_.addCollector([this](std::vector<CollectedFamily>& out) { collectDeliveries(out); });
  registry_.addCollector([this](std::vector<CollectedFamily>& out) { collectStoreFiles(out); });
  registry_.addCollector(common::processCollector());
}

void GatewayMetrics::requestServed(std::string_view listener, std::string_view method,
                                   std::string_view route, int status,
                                   std::optional<std::chrono::microseconds> duration) {
  requests_
      .labels({std::string(listener), std::string(methodLabel(method)), std::string(route),
               std::to_string(status)})
      .inc();
  if (duration) {
    requestSeconds_.labels({std::string(listener), std::string(route)})
        .observe(std::chrono::duration<double>(*duration).count());
  }
}

void GatewayMetrics::submissionDecided(std::string_view kind, const SubmissionResult& result) {
  submissions_.labels({std::string(kind), std::string(outcomeLabel(result.status))}).inc();
  // A replay repeats an earlier decision: its issues were counted then.
  if (result.status == SubmissionStatus::kReplayed) return;
  for (const fhir::Issue& issue : result.issues) {
    if (issue.ruleId.empty()) continue;
    ruleHits_.labels({issue.ruleId, std::string(fhir::severityCode(issue.severity))}).inc();
  }
}

void GatewayMetrics::retentionPurged(std::string_view task, std::int64_t count) {
  retentionPurged_.labels({std::string(task)}).inc(static_cast<double>(count));
}

void GatewayMetrics::attemptFinished(const connectors::AttemptReport& report) {
  if (report.attempted) {
    const bool delivered = report.next == store::DeliveryStatus::kDelivered;
    const std::string errorClass =
        report.errorClass ? std::string(connectors::errorClassName(*report.errorClass)) : "";
    attempts_.labels({report.connectorId, delivered ? "delivered" : "failed", errorClass}).inc();
    attemptSeconds_.labels({report.connectorId})
        .observe(std::chrono::duration<double>(report.duration).count());
  }
  if (report.next == store::DeliveryStatus::kDead) deadLetters_.labels({report.connectorId}).inc();
}

std::string GatewayMetrics::scrape() const { return registry_.scrape(); }

void GatewayMetrics::collectDeliveries(std::vector<CollectedFamily>& out) const {
  if (engine_ != nullptr) {
    CollectedFamily circuits{"fhirgw_circuit_breaker_state",
                             "Circuit breaker of each connector: 0 closed, 1 half-open, 2 open.",
                             MetricType::kGauge,
                             {"connector"},
                             {}};
    for (const std::string& id : engine_->connectorIds()) {
      circuits.samples.push_back({{id}, circuitValue(engine_->circuitState(id))});
    }
    out.push_back(std::move(circuits));
  }
  if (store_ == nullptr) return;
  auto depths = store_->deliveryQueueDepths();
  if (!depths) {
    common::Log::warning("gateway.metrics-read-failed",
                         {{"what", "delivery queue depths"},
                          {"code", common::statusCodeName(depths.error().code())}});
    return;
  }
  CollectedFamily deliveries{
      "fhirgw_deliveries",
      "Deliveries in the store by connector and state (connector \"\": skipped before routing).",
      MetricType::kGauge,
      {"connector", "state"},
      {}};
  std::map<std::string, double> queued;  // pending, in-flight and failed, per connector
  for (const store::QueueDepth& d : *depths) {
    const std::string connector = d.connectorId.value_or("");
    deliveries.samples.push_back({{connector, std::string(store::deliveryStatusName(d.status))},
                                  static_cast<double>(d.count)});
    const bool waiting = d.status == store::DeliveryStatus::kPending ||
                         d.status == store::DeliveryStatus::kInFlight ||
                         d.status == store::DeliveryStatus::kFailed;
    if (d.connectorId) queued[connector] += waiting ? static_cast<double>(d.count) : 0.0;
  }
  out.push_back(std::move(deliveries));

  CollectedFamily depth{"fhirgw_delivery_queue_depth",
                        "Deliveries still to be delivered (pending, in-flight, failed) by "
                        "connector.",
                        MetricType::kGauge,
                        {"connector"},
                        {}};
  CollectedFamily age{"fhirgw_delivery_queue_oldest_age_seconds",
                      "Age of the oldest delivery still to be delivered, by connector (0 when "
                      "none is).",
                      MetricType::kGauge,
                      {"connector"},
                      {}};
  const common::TimePoint now = clock_.now();
  for (const auto& [connector, count] : queued) {
    depth.samples.push_back({{connector}, count});
    double ageSeconds = 0;
    if (count > 0) {
      auto oldest = store_->oldestQueuedDeliveryAt(connector);
      if (!oldest) {
        common::Log::warning("gateway.metrics-read-failed",
                             {{"what", "oldest queued delivery"},
                              {"code", common::statusCodeName(oldest.error().code())}});
        continue;
      }
      if (*oldest) {
        ageSeconds = std::max(0.0, std::chrono::duration<double>(now - **oldest).count());
      }
    }
    age.samples.push_back({{connector}, ageSeconds});
  }
  out.push_back(std::move(depth));
  out.push_back(std::move(age));
}

void GatewayMetrics::collectStoreFiles(std::vector<CollectedFamily>& out) const {
  const std::optional<std::string> file = store_ != nullptr ? store_->databaseFile() : std::nullopt;
  if (!file) return;
  CollectedFamily size{"fhirgw_store_size_bytes",
                       "Size of the SQLite store's files (db: the database, wal: its log).",
                       MetricType::kGauge,
                       {"file"},
                       {}};
  for (const auto& [label, path] : {std::pair{"db", *file}, std::pair{"wal", *file + "-wal"}}) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (!ec) size.samples.push_back({{label}, static_cast<double>(bytes)});
  }
  out.push_back(std::move(size));
}

}  // namespace fhirgw::gateway
