#include "fhirgw/common/metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace fhirgw::common {
namespace {

// A registry misuse is a programming error, found by the first test that registers the family.
[[noreturn]] void misuse(std::string_view family, std::string_view what) {
  std::string message = "metric ";
  message.append(family).append(": ").append(what);
  throw std::logic_error(message);
}

bool validName(std::string_view name, bool colonAllowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colonAllowed && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void writeHeader(std::string& out, const std::string& name, const std::string& help,
                 MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += typeName(type);
  out += '\n';
}

// name{a="x",b="y"} value; `extra` is one more label (a histogram's le) when not empty.
void writeSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                 const LabelValues& values, std::string_view extraName, std::string_view extraValue,
                 double value) {
  out += name;
  if (!names.empty() || !extraName.empty()) {
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
      if (!first) out += ',';
      first = false;
      out += names[i];
      out += "=\"";
      out += escapeLabelValue(values[i]);
      out += '"';
    }
    if (!extraName.empty()) {
      if (!first) out += ',';
      out += extraName;
      out += "=\"";
      out += extraValue;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += formatMetricValue(value);
  out += '\n';
}

void checkLabelNames(const std::string& family, const std::vector<std::string>& labelNames) {
  for (const std::string& label : labelNames) {
    // Names starting with __ are reserved to Prometheus; le is the histograms' own.
    if (!validName(label, false) || label.rfind("__", 0) == 0 || label == "le") {
      misuse(family, "bad label name " + label);
    }
  }
}

// A /proc number; 0 when it does not read as one.
double procNumber(const std::string& text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

void Counter::inc(double v) {
  if (v > 0) value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double v) {
  // `le` is inclusive: v lands in the first bucket whose bound is >= v.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto index = static_cast<std::size_t>(std::distance(bounds_.begin(), it));
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::bucketCounts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

template <typename Series>
MetricFamily<Series>::MetricFamily(std::string name, std::string help,
                                   std::vector<std::string> labelNames, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      labelNames_(std::move(labelNames)),
      bounds_(std::move(bounds)) {}

template <typename Series>
Series& MetricFamily<Series>::labels(const LabelValues& values) {
  if (values.size() != labelNames_.size()) {
    misuse(name_, "wrong number of label values");
  }
  {
    std::shared_lock lock(mutex_);
    if (auto it = series_.find(values); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template <typename Series>
void MetricFamily<Series>::forEach(
    const std::function<void(const LabelValues&, const Series&)>& fn) const {
  std::shared_lock lock(mutex_);
  for (const auto& [labels, series] : series_) fn(labels, *series);
}

template class MetricFamily<Counter>;
template class MetricFamily<Histogram>;

void MetricRegistry::claimName(const std::string& name,
                               const std::vector<std::string>& labelNames) {
  if (!validName(name, true)) misuse(name, "bad name");
  checkLabelNames(name, labelNames);
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    misuse(name, "registered twice");
  }
  names_.push_back(name);
}

CounterFamily& MetricRegistry::counter(std::string name, std::string help,
                                       std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  claimName(name, labelNames);
  counters_.push_back(
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labelNames)));
  return *counters_.back();
}

HistogramFamily& MetricRegistry::histogram(std::string name, std::string help,
                                           std::vector<std::string> labelNames,
                                           std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  claimName(name, labelNames);
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end() ||
      std::isinf(bounds.back()) || std::isnan(bounds.back())) {
    misuse(name, "bucket bounds must increase strictly");
  }
  histograms_.push_back(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(labelNames), std::move(bounds)));
  return *histograms_.back();
}

void MetricRegistry::addCollector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string MetricRegistry::scrape() const {
  std::vector<Collector> collectors;
  std::string out;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
    for (const auto& family : counters_) {
      writeHeader(out, family->name(), family->help(), MetricType::kCounter);
      family->forEach([&](const LabelValues& labels, const Counter& c) {
        writeSample(out, family->name(), family->labelNames(), labels, {}, {}, c.value());
      });
    }
    for (const auto& family : histograms_) {
      writeHeader(out, family->name(), family->help(), MetricType::kHistogram);
      const std::string bucket = family->name() + "_bucket";
      std::vector<std::string> les;
      for (const double b : family->bounds()) les.push_back(formatMetricValue(b));
      les.emplace_back("+Inf");
      family->forEach([&](const LabelValues& labels, const Histogram& h) {
        const std::vector<std::uint64_t> counts = h.bucketCounts();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          writeSample(out, bucket, family->labelNames(), labels, "le", les[i],
                      static_cast<double>(cumulative));
        }
        writeSample(out, family->name() + "_sum", family->labelNames(), labels, {}, {}, h.sum());
        // The count is the +Inf bucket's, read once: the two always agree.
        writeSample(out, family->name() + "_count", family->labelNames(), labels, {}, {},
                    static_cast<double>(cumulative));
      });
    }
  }
  // Collectors may read the store: outside the registry's lock, so updates never wait on them.
  for (const Collector& collect : collectors) {
    std::vector<CollectedFamily> families;
    collect(families);
    for (const CollectedFamily& family : families) writeCollectedFamily(out, family);
  }
  return out;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), value);
  if (ec != std::errc()) return "NaN";
  return {std::begin(buffer), end};
}

void writeCollectedFamily(std::string& out, const CollectedFamily& family) {
  writeHeader(out, family.name, family.help, family.type);
  for (const Sample& s : family.samples) {
    writeSample(out, family.name, family.labelNames, s.labels, {}, {}, s.value);
  }
}

Collector processCollector() {
  return [](std::vector<CollectedFamily>& out) {
    const long ticks = ::sysconf(_SC_CLK_TCK);
    const long page = ::sysconf(_SC_PAGESIZE);
    // /proc/self/stat: the command name is in parentheses and may hold spaces; fields are
    // counted after its closing one (state is field 3).
    std::ifstream statFile("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close != std::string::npos && ticks > 0) {
      std::istringstream fields(stat.substr(close + 1));
      std::vector<std::string> f{std::istream_iterator<std::string>(fields),
                                 std::istream_iterator<std::string>()};
      // f[0] is field 3; utime 14, stime 15, starttime 22, rss 24.
      if (f.size() > 21) {
        const double cpu = (procNumber(f[11]) + procNumber(f[12])) / static_cast<double>(ticks);
        out.push_back({"process_cpu_seconds_total",
                       "User and system CPU time spent in seconds.",
                       MetricType::kCounter,
                       {},
                       {{{}, cpu}}});
        if (page > 0) {
          out.push_back({"process_resident_memory_bytes",
                         "Resident memory size in bytes.",
                         MetricType::kGauge,
                         {},
                         {{{}, procNumber(f[21]) * static_cast<double>(page)}}});
        }
        std::ifstream procStat("/proc/stat");
        std::string key;
        double bootTime = -1;
        while (procStat >> key) {
          if (key == "btime") {
            procStat >> bootTime;
            break;
          }
          procStat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
        }
        if (bootTime >= 0) {
          out.push_back({"process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.",
                         MetricType::kGauge,
                         {},
                         {{{}, bootTime + (procNumber(f[19]) / static_cast<double>(ticks))}}});
        }
      }
    }
    std::error_code ec;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
      ++fds;
    }
    if (!ec) {
      out.push_back({"process_open_fds",
                     "Number of open file descriptors.",
                     MetricType::kGauge,
                     {},
                     {{{}, fds}}});
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      out.push_back({"process_max_fds",
                     "Maximum number of open file descriptors.",
                     MetricType::kGauge,
                     {},
                     {{{}, static_cast<double>(limit.rlim_cur)}}});
    }
  };
}

}  // namespace fhirgw::common
