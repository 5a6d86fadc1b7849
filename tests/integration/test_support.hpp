#pragma once

// The integration tests' own helper: a child-process runner for the real fhir-gateway binary
// (the HTTP client, temporary folders and the test PKI are in tests/support).

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/http_client.hpp"

namespace fhirgw::testsupport {

/// A running fhir-gateway child process with its stderr captured line by line.
class GatewayProcess {
 public:
  /// Starts build/bin/fhir-gateway with args and extra environment (FHIRGW_* of the test process
  /// are not inherited).
  GatewayProcess(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});
  ~GatewayProcess();

  /// Reads stderr until a JSON log line with "event":"gateway.started"; fills the ports. False when
  /// the process ended first.
  bool waitUntilStarted();
  /// Reads stderr until a line containing needle; false when the process ended first.
  bool waitForLine(const std::string& needle);
  /// From now on a thread reads stderr until the process ends, so a gateway logging at info
  /// under load never blocks on a full pipe; waitForLine is then no longer usable.
  void drainInBackground();
  /// Sends a signal.
  void signal(int sig);
  /// Waits for the exit code (-signal when killed by a signal).
  int wait();
  /// Everything read from stderr so far (after wait(): all of it).
  std::string output() const {
    std::lock_guard lock(outputMutex_);
    return output_;
  }
  int pid() const { return pid_; }
  int apiPort() const { return apiPort_; }
  int adminPort() const { return adminPort_; }

 private:
  bool readLine(std::string& line);
  int pid_ = -1;
  int errFd_ = -1;
  mutable std::mutex outputMutex_;  // output_ is appended by the drain thread
  std::string output_;
  std::thread drain_;
  std::string pending_;
  int apiPort_ = 0;
  int adminPort_ = 0;
  bool exited_ = false;
  int exitCode_ = 0;
};

/// Starts the gateway on a configuration file with adminToken as FHIRGW_ADMIN_TOKEN and waits
/// for it to start (started says whether it did); then its log is read in the background, so a
/// gateway logging every request and delivery never blocks on a full pipe.
std::unique_ptr<GatewayProcess> startGateway(const std::filesystem::path& config,
                                             const std::string& adminToken, bool& started);

/// Path of the gateway binary under test.
std::string gatewayBinary();

}  // namespace fhirgw::testsupport
