// The ConnectorStore role: API-managed connector instances with optimistic versions, on both
// engines.
#include <gtest/gtest.h>

#include <filesystem>

#include "fhirgw/store/store.hpp"
#include "store_test_support.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

class ConnectorStoreTest : public EngineTest {
 protected:
  static ConnectorRow row(std::string id, std::string json, bool enabled = true) {
    ConnectorRow r;
    r.id = std::move(id);
    r.type = "file";
    r.enabled = enabled;
    r.instanceJson = std::move(json);
    r.updatedBy = "admin:bootstrap";
    return r;
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(ConnectorStoreTest);

}  // namespace

TEST_P(ConnectorStoreTest, AnInsertedInstanceStartsAtVersionOneAndIsListedById) {
  auto b = store->insertConnector(row("outbox-b", R"({"id":"outbox-b"})"));
  ASSERT_TRUE(b.hasValue()) << b.status().toString();
  EXPECT_EQ(b->version, 1);
  EXPECT_EQ(b->createdAt, testStart());
  EXPECT_EQ(b->updatedAt, testStart());
  EXPECT_EQ(b->updatedBy, "admin:bootstrap");
  ASSERT_TRUE(store->insertConnector(row("outbox-a", R"({"id":"outbox-a"})", false)).hasValue());

  auto all = store->listConnectors();
  ASSERT_TRUE(all.hasValue());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "outbox-a");
  EXPECT_FALSE((*all)[0].enabled);
  EXPECT_EQ((*all)[1].id, "outbox-b");
  EXPECT_EQ((*all)[1].instanceJson, R"({"id":"outbox-b"})");
  EXPECT_EQ((*all)[1].type, "file");

  auto one = store->getConnector("outbox-a");
  ASSERT_TRUE(one.hasValue());
  EXPECT_EQ(one->instanceJson, R"({"id":"outbox-a"})");
  EXPECT_EQ(store->getConnector("nope").error().code(), common::StatusCode::kNotFound);
}

TEST_P(ConnectorStoreTest, ASecondInstanceWithTheSameIdIsAlreadyExists) {
  ASSERT_TRUE(store->insertConnector(row("outbox", "{}")).hasValue());
  auto again = store->insertConnector(row("outbox", R"({"other":true})"));
  ASSERT_FALSE(again.hasValue());
  EXPECT_EQ(again.error().code(), common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->getConnector("outbox")->instanceJson, "{}");
}

TEST_P(ConnectorStoreTest, AnUpdateNamesTheVersionItReplacesAndBumpsIt) {
  ASSERT_TRUE(store->insertConnector(row("outbox", R"({"v":1})")).hasValue());
  clock.advance(1min);
  ConnectorRow next = row("outbox", R"({"v":2})", false);
  next.updatedBy = "admin:other";
  auto updated = store->updateConnector(next, 1);
  ASSERT_TRUE(updated.hasValue()) << updated.status().toString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_FALSE(updated->enabled);
  EXPECT_EQ(updated->instanceJson, R"({"v":2})");
  EXPECT_EQ(updated->createdAt, testStart());
  EXPECT_EQ(updated->updatedAt, testStart() + 1min);
  EXPECT_EQ(updated->updatedBy, "admin:other");

  // A writer that read version 1 lost the race: refused, nothing changed.
  auto stale = store->updateConnector(row("outbox", R"({"v":"stale"})"), 1);
  ASSERT_FALSE(stale.hasValue());
  EXPECT_EQ(stale.error().code(), common::StatusCode::kAborted);
  EXPECT_EQ(store->getConnector("outbox")->instanceJson, R"({"v":2})");
  EXPECT_EQ(store->getConnector("outbox")->version, 2);

  EXPECT_EQ(store->updateConnector(row("nope", "{}"), 1).error().code(),
            common::StatusCode::kNotFound);
  ConnectorRow otherType = row("outbox", "{}");
  otherType.type = "mhd";
  EXPECT_EQ(store->updateConnector(otherType, 2).error().code(),
            common::StatusCode::kInvalidArgument);
}

TEST_P(ConnectorStoreTest, ADeleteWithAStaleVersionIsRefusedAndWithoutOneRemovesTheRow) {
  ASSERT_TRUE(store->insertConnector(row("outbox", "{}")).hasValue());
  ASSERT_TRUE(store->updateConnector(row("outbox", R"({"v":2})"), 1).hasValue());
  EXPECT_EQ(store->deleteConnector("outbox", 1).code(), common::StatusCode::kAborted);
  EXPECT_TRUE(store->getConnector("outbox").hasValue());
  EXPECT_TRUE(store->deleteConnector("outbox", 2).isOk());
  EXPECT_EQ(store->getConnector("outbox").error().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->deleteConnector("outbox", 0).code(), common::StatusCode::kNotFound);
  ASSERT_TRUE(store->insertConnector(row("outbox", "{}")).hasValue());
  EXPECT_TRUE(store->deleteConnector("outbox", 0).isOk());
  EXPECT_TRUE(store->listConnectors()->empty());
}

TEST_P(ConnectorStoreTest, EmptyFieldsAndNulCharactersAreRefused) {
  EXPECT_EQ(store->insertConnector(row("", "{}")).error().code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->insertConnector(row("outbox", "")).error().code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->insertConnector(row("outbox", "{\"a\":\"x\0y\"}"s)).error().code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store->listConnectors()->empty());
}
