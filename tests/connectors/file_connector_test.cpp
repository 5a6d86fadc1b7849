#include "fhirgw/connectors/file/file_connector.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "connectors_test_support.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
namespace fs = std::filesystem;

namespace {

DeliveryPayload payload(const std::string& deliveryId = "3d1c5e0a-0000-4000-8000-00000000000f") {
  store::Delivery d;
  d.id = deliveryId;
  d.recordId = SampleIds{}.recordId;
  d.documentId = SampleIds{}.documentId;
  d.destination = "dmp";
  d.createdAt = testStart();
  return *makeDeliveryPayload(d, sampleResources());
}

using fhirgw::testsupport::readFile;

std::vector<std::string> listFolder(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(FileConnector, WritesOnePrivateCompleteFilePerDeliveryAndNothingElse) {
  TempDir dir;
  const fs::path out = dir.path() / "outbox";
  auto connector = FileConnector::create({out.string(), FileFormat::kTransaction, ""});
  ASSERT_TRUE(connector.hasValue()) << connector.error().message();
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all, fs::perms::owner_all);

  const DeliveryPayload p = payload();
  const DeliveryResult result = (*connector)->deliver(p, {});
  ASSERT_TRUE(result.delivered()) << result.message;
  EXPECT_EQ(listFolder(out), (std::vector<std::string>{p.deliveryId + ".json"}))
      << "no temporary file is left behind";
  const fs::path file = (*connector)->fileFor(p.deliveryId);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto json = common::parseJson(readFile(file));
  ASSERT_TRUE(json.hasValue()) << "the file holds the whole bundle";
  EXPECT_EQ(std::string(json->root()["type"].GetString()), "transaction");
}

TEST(FileConnector, ARetryReplacesTheFileAtomically) {
  TempDir dir;
  auto connector = FileConnector::create({dir.str(), FileFormat::kMhd, "1.2.250.1.999"});
  ASSERT_TRUE(connector.hasValue());
  const DeliveryPayload p = payload();
  const fs::path file = (*connector)->fileFor(p.deliveryId);
  { std::ofstream(file) << "stale"; }
  // A reader racing the writer sees the old or the new content, never a mix.
  std::atomic<bool> done{false};
  std::atomic<int> partial{0};
  std::thread reader([&] {
    while (!done) {
      const std::string text = readFile(file);
      if (text != "stale" && !common::parseJson(text).hasValue()) ++partial;
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*connector)->deliver(p, {}).delivered());
  done = true;
  reader.join();
  EXPECT_EQ(partial.load(), 0);
  EXPECT_EQ(listFolder(dir.path()).size(), 1u);
  auto json = common::parseJson(readFile(file));
  ASSERT_TRUE(json.hasValue());
  EXPECT_EQ(std::string(json->root()["entry"][0]["resource"]["resourceType"].GetString()), "List");
}

TEST(FileConnector, AVanishedFolderIsATransientFailureWithoutPartialFile) {
  TempDir dir;
  const fs::path out = dir.path() / "outbox";
  auto connector = FileConnector::create({out.string(), FileFormat::kTransaction, ""});
  ASSERT_TRUE(connector.hasValue());
  fs::remove_all(out);
  const DeliveryResult result = (*connector)->deliver(payload(), {});
  EXPECT_EQ(result.errorClass, ErrorClass::kTransient);
  EXPECT_FALSE(fs::exists(out));
}

TEST(FileConnector, AnUnusableFolderIsRefusedAtStartUp) {
  TempDir dir;
  const fs::path blocker = dir.path() / "file";
  { std::ofstream(blocker) << "x"; }
  EXPECT_FALSE(
      FileConnector::create({(blocker / "sub").string(), FileFormat::kTransaction, ""}).hasValue());
}

TEST(FileConnector, AnUnbuildablePayloadIsPermanent) {
  TempDir dir;
  auto connector = FileConnector::create({dir.str(), FileFormat::kMhd, "1.2.3"});
  store::Delivery d;
  d.id = "d-1";
  d.recordId = SampleIds{}.recordId;
  d.documentId = SampleIds{}.documentId;
  auto p = makeDeliveryPayload(d, sampleResources({}, /*withIns=*/false));
  const DeliveryResult result = (*connector)->deliver(*p, {});
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_TRUE(listFolder(dir.path()).empty());
  p->deliveryId = "../escape";
  EXPECT_EQ((*connector)->deliver(*p, {}).errorClass, ErrorClass::kPermanent);
}
