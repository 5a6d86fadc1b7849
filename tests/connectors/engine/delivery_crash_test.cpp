// Kill -9 while deliveries are being ingested and sent: after a restart every acknowledged
// delivery is delivered at least once, and no output file is partial.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <string>

#include "connectors_test_support.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors::testsupport;
namespace fs = std::filesystem;

namespace {

/// A worker child with its stdout readable line by line.
class Worker {
 public:
  Worker(const std::string& mode, const fs::path& data, const fs::path& out) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::execl(FHIRGW_CRASH_WORKER, FHIRGW_CRASH_WORKER, mode.c_str(), data.c_str(), out.c_str(),
              nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Worker() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (fd_ >= 0) ::close(fd_);
  }

  /// The next line, or false at end of output or after the timeout.
  bool readLine(std::string& line, int timeoutMs = 60000) {
    line.clear();
    char c = 0;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeoutMs) <= 0) return false;
      if (::read(fd_, &c, 1) != 1) return false;
      if (c == '\n') return true;
      line.push_back(c);
    }
  }
  void kill() { ::kill(pid_, SIGKILL); }
  int wait() {
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

}  // namespace

TEST(DeliveryCrash, EveryAcknowledgedDeliveryIsDeliveredAfterAKillAndARestart) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  const fs::path out = dir.path() / "out";
  std::set<std::string> acknowledged;
  {
    Worker ingest("ingest", data, out);
    std::string line;
    while (acknowledged.size() < 200 && ingest.readLine(line)) {
      if (line.rfind("ack ", 0) == 0) acknowledged.insert(line.substr(4));
    }
    ingest.kill();
    // Lines written before the kill are acknowledgements too.
    while (ingest.readLine(line, 1000)) {
      if (line.rfind("ack ", 0) == 0) acknowledged.insert(line.substr(4));
    }
    EXPECT_EQ(ingest.wait(), -SIGKILL);
  }
  ASSERT_GE(acknowledged.size(), 200u);

  Worker drain("drain", data, out);
  std::string line;
  ASSERT_TRUE(drain.readLine(line)) << "the restarted engine did not drain the queue";
  EXPECT_EQ(line, "drained");
  EXPECT_EQ(drain.wait(), 0);

  store::StoreOptions options;
  options.dataDir = data.string();
  options.readConnections = 2;
  auto db = store::openStore(options);
  ASSERT_TRUE(db.hasValue()) << db.status().toString();
  int interrupted = 0;
  for (const std::string& id : acknowledged) {
    const auto attempts = (*db)->listDeliveryAttempts(id);  // kept: the loop reads into it
    ASSERT_TRUE(attempts.hasValue());
    for (const auto& a : *attempts) {
      if (a.outcome == store::AttemptOutcome::kInterrupted) ++interrupted;
    }
    const fs::path file = out / (id + ".json");
    ASSERT_TRUE(fs::exists(file)) << id << " was acknowledged but never delivered";
    auto d = (*db)->getDelivery(id);
    ASSERT_TRUE(d.hasValue());
    EXPECT_EQ(d->status, store::DeliveryStatus::kDelivered) << id;
  }
  // How many sends the kill cut short (informative: the kill lands anywhere).
  RecordProperty("interruptedAttempts", interrupted);
  std::cout << "acknowledged " << acknowledged.size() << ", interrupted attempts " << interrupted
            << "\n";
  // No final file is partial, whatever the kill interrupted.
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.') continue;  // an interrupted temporary file, never a final name
    EXPECT_TRUE(common::parseJson(fhirgw::testsupport::readFile(entry.path())).hasValue())
        << name << " is not a whole bundle";
  }
}
