#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::common {

/// The values of a series' labels, in the order of its family's label names.
using LabelValues = std::vector<std::string>;

/// The kind of a metric family, as the Prometheus text format names it.
enum class MetricType { kCounter, kGauge, kHistogram };

/// One counter series: only goes up. Safe from any thread (relaxed atomics).
class Counter {
 public:
  /// Adds v; negative values are ignored (a counter never goes down).
  void inc(double v = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// One histogram series: observations counted in cumulative `le` buckets. Safe from any thread.
class Histogram {
 public:
  /// bounds: the buckets' upper bounds, strictly increasing (+Inf is implied).
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);
  /// The count per bucket (not cumulative), the last one for +Inf; and the sum.
  std::vector<std::uint64_t> bucketCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

/// A family of series sharing a name, help text and label names; a series is created on first
/// use of its label values. The hot path is one map lookup under a shared lock.
template <typename Series>
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> labelNames,
               std::vector<double> bounds = {});
  /// The series of these label values (as many as label names; std::logic_error otherwise),
  /// created on first use. The reference stays valid as long as the family.
  Series& labels(const LabelValues& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  const std::vector<double>& bounds() const { return bounds_; }
  /// Calls fn(labelValues, series) for every series, in label order.
  void forEach(const std::function<void(const LabelValues&, const Series&)>& fn) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> labelNames_;
  const std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Series>> series_;
};

using CounterFamily = MetricFamily<Counter>;
using HistogramFamily = MetricFamily<Histogram>;

/// One sample of a family collected at scrape time.
struct Sample {
  LabelValues labels;
  double value = 0.0;
};

/// A family whose values are read at scrape time (queue depths, file sizes, process figures).
/// Gauges and counters only (histograms are registered families).
struct CollectedFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> labelNames;
  std::vector<Sample> samples;
};

/// Fills the families it knows at scrape time; called on the scraping thread.
using Collector = std::function<void(std::vector<CollectedFamily>&)>;

/// The process' metrics: counter and histogram families updated where things happen, and
/// collectors read at scrape time. Names follow the Prometheus conventions (checked: a bad or
/// duplicate name is a programming error, std::logic_error). Thread-safe.
class MetricRegistry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labelNames);
  /// bounds: the bucket upper bounds, strictly increasing.
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> labelNames, std::vector<double> bounds);
  /// Adds a collector; its families are written after the registered ones, in its order.
  void addCollector(Collector collector);

  /// Everything, in the Prometheus text exposition format 0.0.4.
  std::string scrape() const;

 private:
  void claimName(const std::string& name, const std::vector<std::string>& labelNames);

  mutable std::mutex mutex_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<Collector> collectors_;
};

/// The content type of scrape().
inline constexpr std::string_view kPrometheusTextType = "text/plain; version=0.0.4; charset=utf-8";

/// A label value escaped for the text format (\\, \" and \n).
std::string escapeLabelValue(std::string_view value);
/// A sample value as the text format writes it (shortest exact form, +Inf, -Inf, NaN).
std::string formatMetricValue(double value);
/// Appends one collected family (HELP, TYPE and its samples) to out, in the text format.
void writeCollectedFamily(std::string& out, const CollectedFamily& family);

/// Reads the process' own figures from /proc (Linux): resident memory, CPU seconds, open file
/// descriptors, start time; the families Prometheus client libraries call process_*. Families
/// whose source cannot be read are left out.
Collector processCollector();

}  // namespace fhirgw::common
