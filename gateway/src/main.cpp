#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

#include "fhirgw/gateway/server_app.hpp"

int main(int argc, char** argv) {
  // Block the termination signals before any thread starts, so every thread inherits the mask
  // and only ServerApplication::waitForTerminationRequest (sigwait) receives them: a SIGTERM then
  // always means a clean drain, never the default action in some worker thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer closing a connection mid-write must be an error code, not a process-killing signal.
  std::signal(SIGPIPE, SIG_IGN);
  // glibc hands the free top of a thread's arena back to the kernel (madvise) as soon as it passes
  // the trim threshold (128 KiB, or twice the largest mmap'd block freed so far). A submission's
  // thread allocated and freed a 256 KiB zlib state per packed value (now kept per thread,
  // store/src/packed_value.cpp) and still frees 64 KiB JSON pools and whole bundles, so under
  // load each request paid page faults, madvise calls and TLB shootdowns: 40 % of the gateway's
  // CPU before either change (docs/performance.md, issue 15). Up to 8 MiB of free top is kept
  // per arena instead; an operator's own GLIBC_TUNABLES setting of the threshold wins.
  constexpr int kTrimThreshold = 8 << 20;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables == nullptr || std::strstr(tunables, "trim_threshold") == nullptr) {
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  }

  fhirgw::gateway::GatewayApp app;
  return app.run(argc, argv);
}
