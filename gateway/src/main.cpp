#include <csignal>

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

  fhirgw::gateway::GatewayApp app;
  return app.run(argc, argv);
}
