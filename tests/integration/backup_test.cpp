// Backup and restore of the SQLite store as docs/operations.md tells an operator: the real binary
// takes records from an editor while scripts/backup.sh copies its store; the copy is restored
// into a fresh data folder, a gateway starts on it, and every record acknowledged before the
// backup began reads back (with the editor key the copy holds), and the restored gateway takes
// new records.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::backup_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "backup-test-admin-token-0123456789";

std::vector<std::string> argsFor(const fs::path& dataDir) {
  return {"--set", "server.host=127.0.0.1", "--set", "server.port=0",
          "--set", "admin.port=0",          "--set", "storage.dataDir=" + dataDir.string()};
}

std::string member(const std::string& json, const char* key) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  return !doc.HasParseError() && doc.IsObject() && doc.HasMember(key) && doc[key].IsString()
             ? doc[key].GetString()
             : "";
}

HttpResponse call(int port, const std::string& method, const std::string& path,
                  const std::string& token, const std::string& body = {}) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  return httpRequest(s, method, path, body, {{"Authorization", "Bearer " + token}});
}

std::string textOf(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Runs a command through the shell; its exit code (-1 when it did not end normally).
int run(const std::string& command) {
  const int status = std::system(command.c_str());  // NOLINT(cert-env33-c): a test's own script
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(BackupRestore, ABackupTakenUnderLoadRestoresIntoAFreshDataDirWithEveryAcknowledgedRecord) {
  TempDir dir("fhirgw-backup");
  const fs::path backup = dir.path() / "backups" / "gateway-backup.db";
  fs::create_directories(backup.parent_path());

  // Acknowledged records as (record id, external id), in the order of their 201s.
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> acknowledged;
  std::string editorKey;
  {
    GatewayProcess gateway(argsFor(dir.path() / "data"), {{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(gateway.waitUntilStarted()) << gateway.output();
    gateway.drainInBackground();
    const auto created = call(gateway.adminPort(), "POST", "/admin/v1/clients", kToken,
                              R"({"name":"editor","role":"editor"})");
    ASSERT_EQ(created.status, 201) << created.body;
    editorKey = member(created.body, "key");

    std::atomic<bool> stop{false};
    std::atomic<int> refused{0};
    std::thread load([&] {
      for (int n = 0; !stop; ++n) {
        const std::string externalId = "LGC-BACKUP-" + std::to_string(n);
        const auto r = call(gateway.apiPort(), "POST", "/api/v1/teleconsultations", editorKey,
                            fullExampleAs(externalId));
        if (r.status != 201) {
          ++refused;
          continue;
        }
        std::lock_guard lock(mutex);
        acknowledged.emplace_back(member(r.body, "id"), externalId);
      }
    });
    const auto count = [&] {
      std::lock_guard lock(mutex);
      return acknowledged.size();
    };
    while (count() < 20 && refused == 0) std::this_thread::yield();
    const std::size_t beforeBackup = count();

    const std::string script = sourcePath("scripts/backup.sh").string();
    const int exitCode =
        run("bash '" + script + "' '" + (dir.path() / "data").string() + "' '" + backup.string() +
            "' >'" + (dir.path() / "backup.log").string() + "' 2>&1");
    // The editor posted all along (each post waits for its commit, so how many landed while the
    // copy ran depends on the machine); a few more after it: the gateway is unaffected.
    const std::size_t afterBackup = count();
    while (count() < afterBackup + 5 && refused == 0) std::this_thread::yield();
    stop = true;
    load.join();

    EXPECT_EQ(exitCode, 0) << textOf(dir.path() / "backup.log");
    EXPECT_EQ(refused, 0) << "records were refused while the backup ran";
    ASSERT_TRUE(fs::exists(backup));
    EXPECT_FALSE(fs::exists(backup.string() + ".partial"));
    std::lock_guard lock(mutex);
    acknowledged.resize(beforeBackup);  // what the backup must hold at the very least
    gateway.signal(SIGTERM);
    EXPECT_EQ(gateway.wait(), 0) << gateway.output();
  }

  // Restore: the copy becomes gateway.db of a fresh data folder (no -wal, no -shm next to it).
  const fs::path restored = dir.path() / "restored";
  fs::create_directories(restored);
  fs::copy_file(backup, restored / "gateway.db");
  GatewayProcess again(argsFor(restored), {{"FHIRGW_ADMIN_TOKEN", kToken}});
  ASSERT_TRUE(again.waitUntilStarted()) << again.output();
  again.drainInBackground();
  ASSERT_GE(acknowledged.size(), 20u);
  for (const auto& [id, externalId] : acknowledged) {
    const auto r = call(again.apiPort(), "GET", "/api/v1/teleconsultations/" + id, editorKey);
    EXPECT_EQ(r.status, 200) << externalId << ": " << r.body;
    EXPECT_EQ(member(r.body, "externalId"), externalId) << r.body;
  }
  const auto fresh = call(again.apiPort(), "POST", "/api/v1/teleconsultations", editorKey,
                          fullExampleAs("LGC-AFTER-RESTORE"));
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(), 0) << again.output();
}

}  // namespace
}  // namespace fhirgw::testsupport::backup_test
