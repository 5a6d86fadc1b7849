#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace fhirgw::testsupport {

/// A test peer (an SMTP or FHIR server) run as a child process: it prints "listening <port>"
/// on its stdout once ready and exits when its stdin closes. The destructor closes its stdin,
/// waits a few seconds, then kills it.
class PeerProcess {
 public:
  /// Starts `program` with `args` and waits up to `startTimeout` for its "listening" line;
  /// port() stays 0 when it did not come.
  PeerProcess(const std::string& program, const std::vector<std::string>& args,
              std::chrono::milliseconds startTimeout);
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  bool readLine(std::string& line, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int port_ = 0;
};

}  // namespace fhirgw::testsupport
