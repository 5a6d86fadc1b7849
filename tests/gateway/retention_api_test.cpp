// What the APIs answer about a record once retention purged its content, then deleted it.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::gateway {
namespace {

using namespace std::chrono_literals;
using testsupport::HttpResponse;
using testsupport::readExample;

rapidjson::Document json(const HttpResponse& r) {
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << r.body;
  return doc;
}

class RetentionApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<testsupport::InProcessGateway>();
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    editor_ = gateway_->createClient("editor A", "editor");
    ASSERT_FALSE(editor_.key.empty());
  }

  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  /// Runs SQL on the gateway's database (what the delivery engine would have done).
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((gateway_->dir() / "data" / "gateway.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  HttpResponse post(const std::string& body) {
    return gateway_->api("POST", "/api/v1/teleconsultations", body, editor_.key,
                         {{"Idempotency-Key", "retention-1"}});
  }

  std::unique_ptr<testsupport::InProcessGateway> gateway_;
  testsupport::InProcessGateway::Client editor_;
};

TEST_F(RetentionApiTest, APurgedRecordReadsWithoutContentItsFhirIsGoneAndItTakesNothingMore) {
  const std::string body = readExample("teleconsultation-full.json");
  const HttpResponse created = post(body);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json(created)["id"].GetString();
  // Every delivery finished; one given up, for the admin retry below.
  exec("UPDATE deliveries SET status = 'delivered' WHERE record_id = '" + id + "'");
  exec(
      "UPDATE deliveries SET status = 'dead' WHERE rowid = (SELECT MIN(rowid) FROM deliveries"
      " WHERE record_id = '" +
      id + "')");
  gateway_->clock().advance(1h);
  auto purged = gateway_->store().purgeRecordContent(gateway_->clock().now(), 500);
  ASSERT_TRUE(purged.hasValue()) << purged.status().toString();
  ASSERT_EQ(*purged, 1);

  const std::string path = "/api/v1/teleconsultations/" + id;
  const HttpResponse read = gateway_->api("GET", path, "", editor_.key);
  ASSERT_EQ(read.status, 200) << read.body;
  auto record = json(read);
  EXPECT_STREQ(record["contentPurgedAt"].GetString(), "2026-11-22T13:00:00.000Z");
  EXPECT_STREQ(record["externalId"].GetString(), "LGC-2026-000123");
  EXPECT_FALSE(record.HasMember("outcome"));
  EXPECT_EQ(record["documents"].Size(), 3u);
  ASSERT_GT(record["deliveries"].Size(), 0u);
  const std::string deadId = record["deliveries"][0]["id"].GetString();

  const HttpResponse fhir = gateway_->api("GET", path + "/fhir", "", editor_.key);
  EXPECT_EQ(fhir.status, 410) << fhir.body;
  auto outcome = json(fhir);
  EXPECT_STREQ(outcome["resourceType"].GetString(), "OperationOutcome");
  EXPECT_STREQ(outcome["issue"][0]["code"].GetString(), "deleted");

  const HttpResponse added =
      gateway_->api("POST", path + "/documents",
                    readExample("document-sick-leave-prolongation.json"), editor_.key);
  EXPECT_EQ(added.status, 409) << added.body;
  EXPECT_NE(added.body.find("purged"), std::string::npos) << added.body;

  // The idempotency entry still lives: the first answer is replayed as it was.
  const HttpResponse replay = post(body);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay.body, created.body);

  const HttpResponse retried = gateway_->admin("POST", "/admin/v1/deliveries/" + deadId + "/retry");
  EXPECT_EQ(retried.status, 409) << retried.body;
  EXPECT_NE(retried.body.find("purged"), std::string::npos) << retried.body;

  // After the metadata period the record is gone.
  gateway_->clock().advance(1h);
  ASSERT_EQ(*gateway_->store().deleteRecords(gateway_->clock().now(), 500), 1);
  EXPECT_EQ(gateway_->api("GET", path, "", editor_.key).status, 404);
  EXPECT_EQ(gateway_->api("GET", path + "/fhir", "", editor_.key).status, 404);
}

}  // namespace
}  // namespace fhirgw::gateway
