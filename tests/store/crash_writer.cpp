// Helper of the crash test: commits submissions in a loop and writes each record id to stdout
// (one write(2) per line) only after commitSubmission has returned ok. The test kills it with
// SIGKILL at an arbitrary point and then checks that every reported id survived.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "fhirgw/store/store.hpp"
#include "store_test_support.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR CLIENT_ID MAX_COMMITS\n", argv[0]);
    return 64;
  }
  fhirgw::store::StoreOptions options;
  options.dataDir = argv[1];
  const std::string clientId = argv[2];
  const long maxCommits = std::stol(argv[3]);
  auto store = fhirgw::store::openStore(options);
  if (!store) {
    std::fprintf(stderr, "open: %s\n", store.error().toString().c_str());
    return 2;
  }
  const std::string prefix = "crash-" + std::to_string(::getpid()) + "-";
  for (long i = 0; i < maxCommits; ++i) {
    const std::string id = prefix + std::to_string(i);
    auto sub = fhirgw::store::testing::makeSubmission(clientId, id, "ext-" + id);
    sub.idempotency = {fhirgw::store::NewIdempotencyEntry{"key-" + id, "h", 201, "{}"}};
    const fhirgw::common::Status status = (*store)->commitSubmission(sub);
    if (!status.isOk()) {
      std::fprintf(stderr, "commit: %s\n", status.toString().c_str());
      return 3;
    }
    const std::string line = id + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return 4;  // the reader is gone
    }
  }
  return 0;
}
