#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/metrics.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/gateway/service/submission_service.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The gateway's metrics (docs/operations.md, Metrics): counters the listeners, the submission
/// use cases and the delivery engine report as things happen, and gauges read from the store, the
/// engine and /proc at scrape time. Labels carry route patterns, statuses, connector ids, rule
/// ids, classes and states: never anything from a request's content. Thread-safe.
class GatewayMetrics {
 public:
  /// store and engine (either may be null) are read at scrape time, clock gives the queue's age;
  /// all must outlive this.
  GatewayMetrics(const store::Store* store, const connectors::DeliveryEngine* engine,
                 const common::Clock& clock = common::SystemClock::instance());

  /// One answered request. route: the matched pattern, "(unmatched)", or "(front)" for a
  /// request the listener refused before routing (no duration then).
  void requestServed(std::string_view listener, std::string_view method, std::string_view route,
                     int status, std::optional<std::chrono::microseconds> duration);
  /// One decided submission; kind "teleconsultation" or "document".
  void submissionDecided(std::string_view kind, const SubmissionResult& result);
  /// One finished delivery attempt or abandoned delivery (the engine's observer).
  void attemptFinished(const connectors::AttemptReport& report);

  /// Rows a retention task purged or deleted (the housekeeper's observer).
  void retentionPurged(std::string_view task, std::int64_t count);

  /// The text exposition format 0.0.4 (common::kPrometheusTextType).
  std::string scrape() const;

 private:
  void collectDeliveries(std::vector<common::CollectedFamily>& out) const;
  void collectStoreFiles(std::vector<common::CollectedFamily>& out) const;

  const store::Store* store_;
  const connectors::DeliveryEngine* engine_;
  const common::Clock& clock_;
  common::MetricRegistry registry_;
  common::CounterFamily& requests_;
  common::HistogramFamily& requestSeconds_;
  common::CounterFamily& submissions_;
  common::CounterFamily& ruleHits_;
  common::CounterFamily& attempts_;
  common::HistogramFamily& attemptSeconds_;
  common::CounterFamily& deadLetters_;
  common::CounterFamily& retentionPurged_;
};

}  // namespace fhirgw::gateway
