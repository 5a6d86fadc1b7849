#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "fhirgw/store/sqlite_store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "store_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;

extern char** environ;

namespace {

constexpr std::size_t kKillAfter = 100;  // reported commits before the SIGKILL
constexpr int kReadTimeoutMs = 60'000;   // a guard against a hung child, not a pace

// Reads the child's lines until EOF, killing it once kKillAfter ids have been reported. Lines
// already in the pipe when it dies are still read: each was reported after its commit returned.
std::vector<std::string> readReportedIds(int fd, pid_t child, bool& killed) {
  std::vector<std::string> ids;
  std::string pending;
  char buffer[4096];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, kReadTimeoutMs);
    if (ready <= 0) {
      ADD_FAILURE() << "no output from the writer for " << kReadTimeoutMs << " ms";
      ::kill(child, SIGKILL);
      killed = true;
      break;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child is gone and the pipe is drained
    pending.append(buffer, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      ids.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    if (!killed && ids.size() >= kKillAfter) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  return ids;
}

}  // namespace

TEST(SqliteStore, EveryCommitReportedBeforeASigkillIsPresentAfterReopening) {
  TempDir dir;
  StoreOptions options;
  options.dataDir = dir.str();
  {
    auto store = openStore(options);
    ASSERT_TRUE(store.hasValue()) << store.status().toString();
    ASSERT_TRUE((*store)
                    ->createClient({"c-crash", "Crash", ClientRole::kEditor, {}},
                                   fhirgw::testsupport::newStoredKey())
                    .isOk());
  }

  int pipeFds[2];
  ASSERT_EQ(::pipe(pipeFds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  posix_spawn_file_actions_addclose(&actions, pipeFds[1]);
  std::string program = FHIRGW_STORE_CRASH_WRITER;
  std::string dataDir = dir.str();
  std::string client = "c-crash";
  std::string maxCommits = "1000000";  // far more than it gets to do before the kill
  std::vector<char*> argv = {program.data(), dataDir.data(), client.data(), maxCommits.data(),
                             nullptr};
  pid_t child = 0;
  const int spawned =
      ::posix_spawn(&child, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  ASSERT_EQ(spawned, 0) << "cannot start " << program;

  bool killed = false;
  const std::vector<std::string> ids = readReportedIds(pipeFds[0], child, killed);
  ::close(pipeFds[0]);
  int waitStatus = 0;
  ASSERT_EQ(::waitpid(child, &waitStatus, 0), child);
  ASSERT_TRUE(killed);
  ASSERT_TRUE(WIFSIGNALED(waitStatus) && WTERMSIG(waitStatus) == SIGKILL)
      << "the writer stopped by itself (status " << waitStatus << ") instead of being killed";
  ASSERT_GE(ids.size(), kKillAfter);

  auto reopened = SqliteStore::open((dir.path() / "gateway.db").string(), options,
                                    common::SystemClock::instance());
  ASSERT_TRUE(reopened.hasValue()) << reopened.status().toString();
  const SqliteStore& store = **reopened;
  EXPECT_TRUE(store.integrityCheck().isOk()) << store.integrityCheck().toString();
  for (const std::string& id : ids) {
    auto record = store.getRecord("c-crash", id);
    ASSERT_TRUE(record.hasValue()) << id << " was reported committed but is missing";
    // All or nothing: a present record has all its deliveries and its idempotency entry.
    EXPECT_EQ(store.listDeliveries("c-crash", id)->size(), 2u) << id;
    EXPECT_TRUE(store.findIdempotencyEntry("c-crash", "key-" + id).hasValue()) << id;
  }
  // The store still takes writes after the crash.
  EXPECT_TRUE(store.ping().isOk());
}
