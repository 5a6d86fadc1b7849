// The metric registry and its Prometheus text writer: series created on first use, counters that
// only go up, cumulative histogram buckets, escaping, and the process figures from /proc.

#include "fhirgw/common/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace fhirgw::common {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MetricRegistry, CounterSeriesAreCreatedOnFirstUseAndMove) {
  MetricRegistry registry;
  CounterFamily& requests =
      registry.counter("test_requests_total", "Requests served.", {"route", "status"});
  std::string text = registry.scrape();
  EXPECT_TRUE(contains(text, "# HELP test_requests_total Requests served.\n"));
  EXPECT_TRUE(contains(text, "# TYPE test_requests_total counter\n"));
  EXPECT_FALSE(contains(text, "test_requests_total{"));

  requests.labels({"/a", "200"}).inc();
  requests.labels({"/a", "200"}).inc();
  requests.labels({"/b", "404"}).inc(3);
  requests.labels({"/b", "404"}).inc(-5);  // ignored: a counter never goes down
  text = registry.scrape();
  EXPECT_TRUE(contains(text, "test_requests_total{route=\"/a\",status=\"200\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "test_requests_total{route=\"/b\",status=\"404\"} 3\n")) << text;
}

TEST(MetricRegistry, LabelValuesAreEscaped) {
  MetricRegistry registry;
  registry.counter("test_total", "Help with \\ and\nnew line.", {"v"}).labels({"a\\b\"c\nd"}).inc();
  const std::string text = registry.scrape();
  EXPECT_TRUE(contains(text, R"(test_total{v="a\\b\"c\nd"} 1)")) << text;
  EXPECT_TRUE(contains(text, R"(# HELP test_total Help with \\ and\nnew line.)")) << text;
}

TEST(MetricRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricRegistry registry;
  HistogramFamily& latency =
      registry.histogram("test_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
  Histogram& h = latency.labels({"/x"});
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.3);
  h.observe(7);
  const std::string text = registry.scrape();
  EXPECT_TRUE(contains(text, "# TYPE test_seconds histogram\n"));
  EXPECT_TRUE(contains(text, "test_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "test_seconds_bucket{route=\"/x\",le=\"0.5\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "test_seconds_bucket{route=\"/x\",le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "test_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(contains(text, "test_seconds_sum{route=\"/x\"} 7.45\n")) << text;
  EXPECT_TRUE(contains(text, "test_seconds_count{route=\"/x\"} 4\n")) << text;
}

TEST(MetricRegistry, CollectorsAreReadAtEachScrape) {
  MetricRegistry registry;
  double depth = 4;
  registry.addCollector([&depth](std::vector<CollectedFamily>& out) {
    out.push_back({"test_depth", "Depth.", MetricType::kGauge, {"queue"}, {{{"q1"}, depth}}});
  });
  EXPECT_TRUE(contains(registry.scrape(), "# TYPE test_depth gauge\ntest_depth{queue=\"q1\"} 4\n"));
  depth = 0.25;
  EXPECT_TRUE(contains(registry.scrape(), "test_depth{queue=\"q1\"} 0.25\n"));
}

TEST(MetricRegistry, BadNamesAndLabelCountsAreProgrammingErrors) {
  MetricRegistry registry;
  EXPECT_THROW(registry.counter("bad-name_total", "x", {}), std::logic_error);
  EXPECT_THROW(registry.counter("ok_total", "x", {"le"}), std::logic_error);
  EXPECT_THROW(registry.counter("ok_total", "x", {"__reserved"}), std::logic_error);
  CounterFamily& family = registry.counter("ok_total", "x", {"a"});
  EXPECT_THROW(registry.counter("ok_total", "x", {"a"}), std::logic_error);
  EXPECT_THROW(family.labels({"1", "2"}), std::logic_error);
  EXPECT_THROW(registry.histogram("h_seconds", "x", {}, {1, 1}), std::logic_error);
  EXPECT_THROW(registry.histogram("h_seconds", "x", {}, {}), std::logic_error);
}

TEST(MetricRegistry, ConcurrentIncrementsAreAllCounted) {
  MetricRegistry registry;
  CounterFamily& family = registry.counter("test_total", "x", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&family, t] {
      for (int i = 0; i < 10000; ++i) family.labels({std::to_string(t % 2)}).inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.labels({"0"}).value() + family.labels({"1"}).value(), 40000);
}

TEST(MetricValue, IsWrittenInItsShortestForm) {
  EXPECT_EQ(formatMetricValue(3), "3");
  EXPECT_EQ(formatMetricValue(0.005), "0.005");
  EXPECT_EQ(formatMetricValue(1e21), "1e+21");
  EXPECT_EQ(formatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(formatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(formatMetricValue(0.0 / 0.0), "NaN");
}

TEST(ProcessCollector, ReadsMemoryCpuFdsAndStartTime) {
  std::vector<CollectedFamily> families;
  processCollector()(families);
  auto value = [&](const std::string& name) {
    for (const auto& f : families) {
      if (f.name == name && f.samples.size() == 1) return f.samples[0].value;
    }
    return -1.0;
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 1024 * 1024);
  EXPECT_GE(value("process_cpu_seconds_total"), 0);
  EXPECT_GE(value("process_open_fds"), 3);
  // Started within the last day, not at the epoch.
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(value("process_start_time_seconds"), now - 86400);
  EXPECT_LE(value("process_start_time_seconds"), now + 1);
}

}  // namespace
}  // namespace fhirgw::common
