#pragma once

// Timing helpers shared by the benchmark programs: medians over many runs, in microseconds.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace fhirgw::bench {

/// Microsecond statistics of repeated runs.
struct Stats {
  double median;
  double p90;
  double min;
};

/// Runs f `runs` times after a warm-up of a tenth of the runs; microsecond statistics.
template <typename F>
Stats measure(int runs, F&& f) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < runs / 10 + 1; ++i) f();
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 9 / 10], us.front()};
}

/// Prints one line: the label padded to labelWidth, then median, p90 and min.
inline void print(const char* what, const Stats& s, int labelWidth) {
  std::printf("%-*s median %8.1f us   p90 %8.1f us   min %8.1f us\n", labelWidth, what, s.median,
              s.p90, s.min);
}

}  // namespace fhirgw::bench
