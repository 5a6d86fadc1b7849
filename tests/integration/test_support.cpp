#include "test_support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "fhirgw/common/json.hpp"

namespace fhirgw::testsupport {

std::string gatewayBinary() { return FHIRGW_GATEWAY_BINARY; }

GatewayProcess::GatewayProcess(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argvStore{gatewayBinary()};
  argvStore.insert(argvStore.end(), args.begin(), args.end());
  std::vector<std::string> envStore;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("FHIRGW_", 0) != 0) envStore.emplace_back(*e);
  }
  for (const auto& [k, v] : env) envStore.push_back(k + "=" + v);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : argvStore) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : envStore) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  errFd_ = fds[0];
}

GatewayProcess::~GatewayProcess() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  if (errFd_ >= 0) ::close(errFd_);
}

bool GatewayProcess::readLine(std::string& line) {
  for (;;) {
    const auto nl = pending_.find('\n');
    if (nl != std::string::npos) {
      line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return true;
    }
    char buf[4096];
    const ssize_t n = ::read(errFd_, buf, sizeof buf);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    std::lock_guard lock(outputMutex_);
    output_.append(buf, static_cast<std::size_t>(n));
  }
}

bool GatewayProcess::waitUntilStarted() {
  std::string line;
  while (readLine(line)) {
    if (line.find("\"event\":\"gateway.started\"") == std::string::npos) continue;
    auto doc = common::parseJson(line);
    if (!doc) return false;
    apiPort_ = std::stoi((*doc)["apiPort"].GetString());
    adminPort_ = std::stoi((*doc)["adminPort"].GetString());
    return true;
  }
  return false;
}

bool GatewayProcess::waitForLine(const std::string& needle) {
  std::string line;
  while (readLine(line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

void GatewayProcess::drainInBackground() {
  drain_ = std::thread([this] {
    std::string line;
    while (readLine(line)) {
    }
  });
}

void GatewayProcess::signal(int sig) { ::kill(pid_, sig); }

int GatewayProcess::wait() {
  if (exited_) return exitCode_;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exited_ = true;
  exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  // Collect the rest of stderr for assertions.
  if (drain_.joinable()) {
    drain_.join();
  } else {
    std::string line;
    while (readLine(line)) {
    }
  }
  return exitCode_;
}

std::unique_ptr<GatewayProcess> startGateway(const std::filesystem::path& config,
                                             const std::string& adminToken, bool& started) {
  auto process = std::make_unique<GatewayProcess>(
      std::vector<std::string>{"--config", config.string()},
      std::map<std::string, std::string>{{"FHIRGW_ADMIN_TOKEN", adminToken}});
  started = process->waitUntilStarted();
  if (started) process->drainInBackground();
  return process;
}

}  // namespace fhirgw::testsupport
