// Commits of full-example-sized submissions into a fresh SQLite store from 1, 16 and 64 threads
// (issue 15, group commit): commits per second and the p50/p99 latency of one commitSubmission.
//
//   commit_bench [commits per load=2000] [thread counts=1,16,64] [--keep]
//
// Each submission has the shape of examples/teleconsultation-full.json once accepted: its body as
// the record, three documents, ten FHIR resources of about 2.8 KB (28 KB, as measured for the
// example) and seven deliveries, each with a unique record id and externalId. Every load starts
// from an empty store in its own temporary folder on the same disk as TMPDIR; commits are
// synchronous=FULL, so the disk's fsync dominates. Release build; note `uptime` with the figures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_records.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using namespace fhirgw;
using Clock = std::chrono::steady_clock;

double percentile(const std::vector<double>& sorted, double p) {
  const auto at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[at];
}

// One load: `threads` callers committing `total` submissions between them into a fresh store.
bool runLoad(const std::string& body, int threads, int total, bool keep) {
  testsupport::TempDir dir("fhirgw-commit-bench");
  if (keep) dir.keep();
  common::ManualClock clock(common::SystemClock::instance().now());
  store::StoreOptions options;
  options.dataDir = dir.str();
  auto opened = store::openStore(options, clock);
  if (!opened) {
    std::fprintf(stderr, "store: %s\n", opened.error().toString().c_str());
    return false;
  }
  store::Store& db = **opened;
  if (auto s = db.createClient({"c-bench", "bench", store::ClientRole::kEditor, {}},
                               store::NewApiKey{"k-bench", common::hashSecret("bench-secret")});
      !s.isOk()) {
    std::fprintf(stderr, "client: %s\n", s.toString().c_str());
    return false;
  }
  // Built beforehand: only commitSubmission is timed.
  std::vector<store::Submission> subs;
  subs.reserve(static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i)
    subs.push_back(bench::fullExampleSubmission(body, "r" + std::to_string(i), "bench"));

  std::vector<double> latencies(static_cast<std::size_t>(total));
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < total; i = next++) {
        const auto begin = Clock::now();
        const common::Status s = db.commitSubmission(subs[static_cast<std::size_t>(i)]);
        latencies[static_cast<std::size_t>(i)] =
            std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
        if (!s.isOk() && failures++ == 0) std::fprintf(stderr, "%s\n", s.toString().c_str());
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  std::printf("%3d threads  %6d commits  %8.0f commits/s  p50 %8.2f ms  p99 %8.2f ms  errors %d\n",
              threads, total, total / seconds, percentile(latencies, 0.50),
              percentile(latencies, 0.99), failures.load());
  if (keep) std::printf("kept %s\n", dir.str().c_str());
  return failures.load() == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int total = 2000;
  std::vector<int> loads = {1, 16, 64};
  bool keep = false;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else if (positional++ == 0) {
      total = std::atoi(argv[i]);
    } else {
      loads.clear();
      for (const char* p = argv[i]; *p != '\0';) {
        loads.push_back(std::atoi(p));
        p = std::strchr(p, ',');
        if (p == nullptr) break;
        ++p;
      }
    }
  }
  if (total < 1 || loads.empty() ||
      std::any_of(loads.begin(), loads.end(), [](int t) { return t < 1; })) {
    std::fprintf(stderr, "usage: commit_bench [commits>=1] [threads,threads,...] [--keep]\n");
    return 2;
  }
  const std::string body = testsupport::readFile(FHIRGW_BENCH_BODY);
  if (body.empty()) {
    std::fprintf(stderr, "cannot read %s\n", FHIRGW_BENCH_BODY);
    return 1;
  }
  std::printf("full-example-sized submissions (%zu-byte body), synchronous=FULL\n", body.size());
  bool ok = true;
  for (int threads : loads) ok = runLoad(body, threads, total, keep) && ok;
  return ok ? 0 : 1;
}
