// The delivery queue of the SQLite store alone (issue 15, delivery side): a queue of N due
// deliveries (7 per record, records shaped like the accepted full example, all on one
// connector) is filled, then claimed and finished as the engine does, and the rate is printed in
// deliveries per second with the process's CPU time, for each way of claiming and finishing:
//
//   queue_bench [N=100000] [seconds per mode=10] [claim batch=64] [--drain] [--keep]
//               [--url=postgresql://...] [--instances=I]
//
//   claim 1, finish 1      one claim (its own write transaction) and one finish per delivery:
//                          what the engine did before batching
//   claim K, finish 1      one claim of K deliveries, then one finish transaction per delivery
//   claim K, finish K      one claim of K, then finishAttempts of the K (one transaction): the
//                          engine's batches
//
// Each mode runs on what the previous ones left (a few thousand fewer due deliveries at most)
// for the given seconds, single-threaded; the figure is deliveries finished over wall time.
// --drain then empties the queue in batches of K and prints the drain time. --keep leaves
// the database (path printed) for EXPLAIN QUERY PLAN with the sqlite3 shell. Commits are
// synchronous=FULL: the disk's fsync is part of every figure. Release build; note `uptime`.
//
// --url runs it on the PostgreSQL store of that url (an empty schema of its own: put it in the
// url's search_path, e.g. ...?options=-c%20search_path%3Dbench, and drop it afterwards; the
// password from PGPASSWORD or a passfile). --instances=I (PostgreSQL) then also runs the batch
// mode with I stores on that database claiming and finishing at once, one thread each, as I
// gateway instances would, and checks that no delivery was handed out twice.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench_records.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/postgres_store.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using namespace fhirgw;
using Clock = std::chrono::steady_clock;

constexpr const char* kConnector = "bench";

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool fill(store::Store& db, const std::string& body, int deliveries) {
  const int records = (deliveries + 6) / 7;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  // Group commit: 16 committers fill far faster than one.
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < records; i = next++) {
        if (!db.commitSubmission(
                   bench::fullExampleSubmission(body, "r" + std::to_string(i), kConnector))
                 .isOk())
          ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return failures.load() == 0;
}

struct Mode {
  const char* name;
  std::size_t claim;
  bool batchFinish;
};

// Claims and finishes for `seconds` (or until the queue is empty); prints the rate. `handedOut`,
// when given, collects the ids claimed (several instances at once).
bool run(store::Store& db, const common::Clock& clock, const Mode& mode, double seconds,
         std::int64_t& done, std::multiset<std::string>* handedOut = nullptr,
         std::mutex* handedOutMutex = nullptr, bool print = true) {
  const double cpu0 = cpuSeconds();
  const auto start = Clock::now();
  std::int64_t finished = 0;
  std::int64_t claims = 0;
  double claimMs = 0;
  double finishMs = 0;
  for (;;) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= seconds) break;
    const auto c0 = Clock::now();
    auto claimed = db.claimDeliveries({kConnector, "bench", std::chrono::minutes(5), mode.claim});
    const auto c1 = Clock::now();
    if (!claimed) {
      std::fprintf(stderr, "claim: %s\n", claimed.error().toString().c_str());
      return false;
    }
    if (claimed->empty()) break;
    ++claims;
    claimMs += std::chrono::duration<double, std::milli>(c1 - c0).count();
    std::vector<store::FinishedAttempt> results;
    results.reserve(claimed->size());
    for (const store::Delivery& d : *claimed)
      results.push_back(bench::deliveredAttempt(d, clock.now()));
    if (handedOut != nullptr) {
      std::lock_guard lock(*handedOutMutex);
      for (const store::Delivery& d : *claimed) handedOut->insert(d.id);
    }
    const auto f0 = Clock::now();
    if (mode.batchFinish) {
      if (!bench::finishAll(db, results)) return false;
    } else {
      for (const store::FinishedAttempt& f : results) {
        if (common::Status s = db.finishAttempt(f); !s.isOk()) {
          std::fprintf(stderr, "finish: %s\n", s.toString().c_str());
          return false;
        }
      }
    }
    finishMs += std::chrono::duration<double, std::milli>(Clock::now() - f0).count();
    finished += static_cast<std::int64_t>(results.size());
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpuSeconds() - cpu0;
  const double perClaim = claims == 0 ? 0 : claimMs / static_cast<double>(claims);
  done += finished;
  if (!print) return true;
  std::printf(
      "%-18s %7lld delivered in %6.1f s: %8.1f deliveries/s  CPU %5.1f s (%3.0f %%)"
      "  claim %7.2f ms each, finish %6.3f ms per delivery\n",
      mode.name, static_cast<long long>(finished), wall, static_cast<double>(finished) / wall, cpu,
      100.0 * cpu / wall, perClaim, finished == 0 ? 0 : finishMs / static_cast<double>(finished));
  std::fflush(stdout);
  return true;
}

// I stores on one database claiming and finishing in batches at once (PostgreSQL), for
// `seconds`; prints the total rate and whether any delivery was handed out twice.
bool runInstances(const std::vector<std::unique_ptr<store::Store>>& stores,
                  const common::Clock& clock, std::size_t batch, double seconds) {
  std::multiset<std::string> handedOut;
  std::mutex mutex;
  std::atomic<std::int64_t> done{0};
  std::atomic<bool> ok{true};
  const double cpu0 = cpuSeconds();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (const auto& s : stores) {
    threads.emplace_back([&, db = s.get()] {
      std::int64_t mine = 0;
      const Mode mode{"instance", batch, true};
      if (!run(*db, clock, mode, seconds, mine, &handedOut, &mutex, false)) ok = false;
      done += mine;
    });
  }
  for (std::thread& t : threads) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpuSeconds() - cpu0;
  const std::set<std::string> distinct(handedOut.begin(), handedOut.end());
  std::printf(
      "%zu instances, claim %zu, finish %zu: %7lld delivered in %6.1f s: %8.1f deliveries/s"
      "  CPU %5.1f s (%3.0f %%)  handed out twice: %zu\n",
      stores.size(), batch, batch, static_cast<long long>(done.load()), wall,
      static_cast<double>(done.load()) / wall, cpu, 100.0 * cpu / wall,
      handedOut.size() - distinct.size());
  std::fflush(stdout);
  return ok && handedOut.size() == distinct.size();
}

}  // namespace

int main(int argc, char** argv) {
  int total = 100000;
  double seconds = 10;
  std::size_t batch = 64;
  bool drain = false;
  bool keep = false;
  std::string url;
  int instances = 0;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--url=", 6) == 0) {
      url = argv[i] + 6;
    } else if (std::strncmp(argv[i], "--instances=", 12) == 0) {
      instances = std::atoi(argv[i] + 12);
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else if (std::strcmp(argv[i], "--drain") == 0) {
      drain = true;
    } else if (positional == 0) {
      total = std::atoi(argv[i]);
      ++positional;
    } else if (positional == 1) {
      seconds = std::atof(argv[i]);
      ++positional;
    } else {
      batch = static_cast<std::size_t>(std::atoi(argv[i]));
    }
  }
  if (total < 1 || seconds <= 0 || batch < 1 || instances < 0 || (instances > 0 && url.empty())) {
    std::fprintf(stderr,
                 "usage: queue_bench [N>=1] [seconds>0] [batch>=1] [--drain] [--keep]"
                 " [--url=postgresql://...] [--instances=I]\n");
    return 2;
  }
  testsupport::TempDir dir("fhirgw-queue-bench");
  if (keep) dir.keep();
  common::ManualClock clock(common::SystemClock::instance().now());
  store::StoreOptions options;
  options.dataDir = dir.str();
  const auto open = [&]() -> common::Result<std::unique_ptr<store::Store>> {
    if (url.empty()) return store::openStore(options, clock);
    auto pg = store::PostgresStore::open(url, options, clock);
    if (!pg) return pg.status();
    return std::unique_ptr<store::Store>(std::move(*pg));
  };
  auto opened = open();
  if (!opened) {
    std::fprintf(stderr, "store: %s\n", opened.error().toString().c_str());
    return 1;
  }
  store::Store& db = **opened;
  if (auto s = db.createClient({"c-bench", "bench", store::ClientRole::kEditor, {}},
                               store::NewApiKey{"k-bench", common::hashSecret("bench-secret")});
      !s.isOk()) {
    std::fprintf(stderr, "client: %s\n", s.toString().c_str());
    return 1;
  }
  const auto f0 = Clock::now();
  const std::string body = testsupport::readFile(FHIRGW_BENCH_BODY);
  if (body.empty()) {
    std::fprintf(stderr, "cannot read %s\n", FHIRGW_BENCH_BODY);
    return 1;
  }
  if (!fill(db, body, total)) {
    std::fprintf(stderr, "fill failed\n");
    return 1;
  }
  std::printf(
      "queue of %d deliveries (7 per full-example-sized record, one connector, all due)"
      " filled in %.1f s\n",
      (total + 6) / 7 * 7, std::chrono::duration<double>(Clock::now() - f0).count());
  if (keep) std::printf("kept %s\n", dir.str().c_str());
  std::fflush(stdout);

  const std::string k = std::to_string(batch);
  const std::string claimK = "claim " + k + ", finish 1";
  const std::string batchK = "claim " + k + ", finish " + k;
  const Mode modes[] = {{"claim 1, finish 1", 1, false},
                        {claimK.c_str(), batch, false},
                        {batchK.c_str(), batch, true}};
  std::int64_t done = 0;
  for (const Mode& mode : modes) {
    if (!run(db, clock, mode, seconds, done)) return 1;
  }
  if (instances > 0) {
    std::vector<std::unique_ptr<store::Store>> stores;
    for (int i = 0; i < instances; ++i) {
      auto another = open();
      if (!another) {
        std::fprintf(stderr, "store: %s\n", another.error().toString().c_str());
        return 1;
      }
      stores.push_back(std::move(*another));
    }
    if (!runInstances(stores, clock, batch, seconds)) return 1;
  }
  if (drain) {
    const Mode mode{"drain", batch, true};
    if (!run(db, clock, mode, 1e9, done)) return 1;
  }
  return 0;
}
