#pragma once

// Helpers shared by the integration tests: an HTTP(S) client over Poco, a test PKI, and a
// child-process runner for the real fhir-gateway binary.

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fhirgw/testsupport/http_client.hpp"

namespace fhirgw::testing {

using testsupport::httpRequest;
using testsupport::HttpResponse;

/// The test PKI made by tests/tools/make-test-pki.sh (created once per process).
std::filesystem::path testPkiDir();

/// A strict TLS client context trusting only the test CA, optionally with a client certificate
/// ("client" or "rogue-client").
Poco::Net::Context::Ptr clientContext(const std::string& clientCert = {});

/// A fresh, empty temporary directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A running fhir-gateway child process with its stderr captured line by line.
class GatewayProcess {
 public:
  /// Starts build/bin/fhir-gateway with args and extra environment (FHIRGW_* of the test process
  /// are not inherited).
  GatewayProcess(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});
  ~GatewayProcess();

  /// Reads stderr until a JSON log line with "event":"started"; fills the ports. False when the
  /// process ended first.
  bool waitUntilStarted();
  /// Reads stderr until a line containing needle; false when the process ended first.
  bool waitForLine(const std::string& needle);
  /// Sends a signal.
  void signal(int sig);
  /// Waits for the exit code (-signal when killed by a signal).
  int wait();
  /// Everything read from stderr so far (after wait(): all of it).
  const std::string& output() const { return output_; }
  int pid() const { return pid_; }
  int apiPort() const { return apiPort_; }
  int adminPort() const { return adminPort_; }

 private:
  bool readLine(std::string& line);
  int pid_ = -1;
  int errFd_ = -1;
  std::string output_;
  std::string pending_;
  int apiPort_ = 0;
  int adminPort_ = 0;
  bool exited_ = false;
  int exitCode_ = 0;
};

/// Path of the gateway binary under test.
std::string gatewayBinary();

}  // namespace fhirgw::testing
