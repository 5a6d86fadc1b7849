// The ClientStore, AuditLog and ActivityStore roles, on both engines.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_clock.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
using fhirgw::testsupport::testStart;

namespace {

class StoreRoles : public EngineTest {};
FHIRGW_STORE_TEST_BOTH_ENGINES(StoreRoles);

}  // namespace

// ---- clients and keys ------------------------------------------------------------------------

TEST_P(StoreRoles, ClientAndKeyRoundTrip) {
  const NewApiKey key = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(
      store->createClient({"c-1", "Téléconsult SAS", ClientRole::kEditor, 120}, key).isOk());

  auto client = store->getClient("c-1");
  ASSERT_TRUE(client.hasValue()) << client.status().toString();
  EXPECT_EQ(client->name, "Téléconsult SAS");
  EXPECT_EQ(client->role, ClientRole::kEditor);
  EXPECT_EQ(client->rateLimit, 120);
  EXPECT_EQ(client->createdAt, testStart());
  EXPECT_FALSE(client->disabled);

  auto active = store->findActiveApiKey(key.keyId);
  ASSERT_TRUE(active.hasValue());
  EXPECT_EQ(active->keyId, key.keyId);
  EXPECT_EQ(active->client.id, "c-1");
  EXPECT_EQ(active->client.name, "Téléconsult SAS");
  EXPECT_EQ(active->client.role, ClientRole::kEditor);
  EXPECT_EQ(active->client.rateLimit, 120);
  EXPECT_EQ(active->client.createdAt, testStart());
  EXPECT_EQ(active->secretHash, key.secretHash);

  // A client without a rate limit of its own: none read back through its key either; and the
  // key's look-up, run again, reads the same (its statement is kept between calls).
  const NewApiKey other = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-2", "Autre", ClientRole::kAdmin, {}}, other).isOk());
  for (int i = 0; i < 2; ++i) {
    auto second = store->findActiveApiKey(other.keyId);
    ASSERT_TRUE(second.hasValue());
    EXPECT_EQ(second->client.id, "c-2");
    EXPECT_EQ(second->client.role, ClientRole::kAdmin);
    EXPECT_FALSE(second->client.rateLimit.has_value());
    EXPECT_EQ(store->findActiveApiKey(key.keyId)->client.rateLimit, 120);
  }
}

TEST_P(StoreRoles, ClientIdsAndKeyIdsAreUnique) {
  const NewApiKey key = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-1", "Editor", ClientRole::kEditor, {}}, key).isOk());
  EXPECT_EQ(store
                ->createClient({"c-1", "Again", ClientRole::kAdmin, {}},
                               fhirgw::testsupport::newStoredKey())
                .code(),
            common::StatusCode::kAlreadyExists);
  // The key clash rolls back the new client as well.
  EXPECT_EQ(store->createClient({"c-2", "Other", ClientRole::kEditor, {}}, key).code(),
            common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->getClient("c-2").error().code(), common::StatusCode::kNotFound);
}

TEST_P(StoreRoles, ClientsAreListedOldestFirst) {
  ASSERT_TRUE(store
                  ->createClient({"z", "First", ClientRole::kAdmin, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  clock.advance(1s);
  ASSERT_TRUE(store
                  ->createClient({"a", "Second", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  auto clients = store->listClients();
  ASSERT_TRUE(clients.hasValue());
  ASSERT_EQ(clients->size(), 2u);
  EXPECT_EQ((*clients)[0].id, "z");
  EXPECT_EQ((*clients)[0].role, ClientRole::kAdmin);
  EXPECT_EQ((*clients)[1].id, "a");
}

TEST_P(StoreRoles, UnknownClientsAndKeysAreNotFound) {
  EXPECT_EQ(store->getClient("nobody").error().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->disableClient("nobody").code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->revokeApiKey("nobody", "knothing").code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->listApiKeys("nobody").error().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->addApiKey("nobody", fhirgw::testsupport::newStoredKey()).code(),
            common::StatusCode::kNotFound);
  EXPECT_EQ(store->findActiveApiKey("knothing").error().code(), common::StatusCode::kNotFound);
}

TEST_P(StoreRoles, KeysAreListedWithoutSecretsAndRevokedOnlyThroughTheirOwnClient) {
  const store::NewApiKey first = fhirgw::testsupport::newStoredKey();
  const store::NewApiKey second = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-1", "One", ClientRole::kEditor, {}}, first).isOk());
  ASSERT_TRUE(store
                  ->createClient({"c-2", "Two", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->addApiKey("c-1", second).isOk());

  // Another client's key is not found, and stays active.
  EXPECT_EQ(store->revokeApiKey("c-2", first.keyId).code(), common::StatusCode::kNotFound);
  EXPECT_TRUE(store->findActiveApiKey(first.keyId).hasValue());
  ASSERT_TRUE(store->revokeApiKey("c-1", first.keyId).isOk());
  EXPECT_TRUE(store->revokeApiKey("c-1", first.keyId).isOk());  // again: no change
  EXPECT_EQ(store->findActiveApiKey(first.keyId).error().code(), common::StatusCode::kNotFound);

  auto keys = store->listApiKeys("c-1");
  ASSERT_TRUE(keys.hasValue()) << keys.status().toString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].keyId, first.keyId);
  EXPECT_TRUE((*keys)[0].revoked);
  EXPECT_EQ((*keys)[1].keyId, second.keyId);
  EXPECT_FALSE((*keys)[1].revoked);
  EXPECT_EQ((*keys)[1].createdAt - (*keys)[0].createdAt, std::chrono::seconds(1));
}

TEST_P(StoreRoles, ADisabledClientGetsNoNewKey) {
  ASSERT_TRUE(store
                  ->createClient({"c-1", "One", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->disableClient("c-1").isOk());
  EXPECT_EQ(store->addApiKey("c-1", fhirgw::testsupport::newStoredKey()).code(),
            common::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->listApiKeys("c-1")->size(), 1u);
}

// ---- audit -----------------------------------------------------------------------------------

TEST_P(StoreRoles, AuditQueriesFilterBySinceActorAndActionNewestFirst) {
  ASSERT_TRUE(
      store->appendAudit({"c-1", "teleconsultation.create", "r-1", "201", "q-1", ""}).hasValue());
  clock.advance(1min);
  const common::TimePoint later = clock.now();
  ASSERT_TRUE(store
                  ->appendAudit({"admin", "connector.update", "c-2", "ok", "q-2",
                                 R"({"changed":["enabled","options.bearerToken"]})"})
                  .hasValue());
  ASSERT_TRUE(
      store->appendAudit({"c-1", "teleconsultation.read", "r-1", "200", "q-3", ""}).hasValue());
  auto last = store->appendAudit({"c-1", "teleconsultation.create", "r-2", "422", "q-4", ""});
  ASSERT_TRUE(last.hasValue());

  auto all = store->queryAudit({});
  ASSERT_TRUE(all.hasValue());
  ASSERT_EQ(all->size(), 4u);
  // The latest event first.
  EXPECT_EQ((*all)[0].id, *last);
  EXPECT_EQ((*all)[0].requestId, "q-4");
  EXPECT_EQ((*all)[3].requestId, "q-1");
  EXPECT_EQ((*all)[3].at, testStart());
  EXPECT_EQ((*all)[3].detail, "");
  // The detail comes back as written (the key paths a change touched).
  EXPECT_EQ((*all)[2].detail, R"({"changed":["enabled","options.bearerToken"]})");
  EXPECT_GT((*all)[0].id, (*all)[1].id);
  EXPECT_GT((*all)[1].id, (*all)[2].id);
  EXPECT_GT((*all)[2].id, (*all)[3].id);

  AuditQuery sinceLater;
  sinceLater.since = later;
  auto recent = store->queryAudit(sinceLater);
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0].requestId, "q-4");
  EXPECT_EQ((*recent)[2].requestId, "q-2");

  AuditQuery byActor;
  byActor.actor = "c-1";
  auto ofC1 = store->queryAudit(byActor);
  ASSERT_EQ(ofC1->size(), 3u);
  EXPECT_EQ((*ofC1)[0].requestId, "q-4");
  EXPECT_EQ((*ofC1)[1].requestId, "q-3");
  EXPECT_EQ((*ofC1)[2].requestId, "q-1");

  AuditQuery combined;
  combined.since = later;
  combined.actor = "c-1";
  combined.action = "teleconsultation.create";
  auto one = store->queryAudit(combined);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].target, "r-2");
  EXPECT_EQ((*one)[0].outcome, "422");
}

TEST_P(StoreRoles, AuditPagesGoBackInTimeFromTheLatestEntry) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(store
                    ->appendAudit({i % 2 == 0 ? "c-2" : "c-1", "teleconsultation.read", "r-1",
                                   "200", "q-" + std::to_string(i), ""})
                    .hasValue());
  }
  AuditQuery page;
  page.limit = 2;
  std::vector<std::string> seen;
  for (int round = 0; round < 5; ++round) {
    auto entries = store->queryAudit(page);
    ASSERT_TRUE(entries.hasValue()) << entries.status().toString();
    if (entries->empty()) break;
    for (const AuditEntry& e : *entries) seen.push_back(e.requestId);
    page.beforeId = entries->back().id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"q-5", "q-4", "q-3", "q-2", "q-1"}));

  // An entry appended while paging goes to the head, not into the pages still to read.
  page.beforeId.reset();
  auto first = store->queryAudit(page);
  ASSERT_EQ(first->size(), 2u);
  ASSERT_TRUE(
      store->appendAudit({"c-1", "teleconsultation.read", "r-1", "200", "q-6", ""}).hasValue());
  page.beforeId = first->back().id;
  auto second = store->queryAudit(page);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].requestId, "q-3");
  EXPECT_EQ((*second)[1].requestId, "q-2");

  // With a filter, the cursor skips the other actors' entries.
  AuditQuery ofC1;
  ofC1.actor = "c-1";
  ofC1.limit = 1;
  ofC1.beforeId = (*second)[0].id;  // q-3
  auto older = store->queryAudit(ofC1);
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].requestId, "q-1");
}

TEST_P(StoreRoles, AuditEntriesCannotBeRewritten) {
  ASSERT_TRUE(store->appendAudit({"c-1", "client.create", "c-1", "ok", "q-1", ""}).hasValue());
  const common::Status forged = db->execute("UPDATE audit_entries SET outcome = 'forged'");
  EXPECT_FALSE(forged.isOk());
  EXPECT_NE(forged.message().find("append-only"), std::string::npos) << forged.message();
  EXPECT_EQ((*store->queryAudit({}))[0].outcome, "ok");
  // Deletes stay possible (retention).
  EXPECT_TRUE(db->execute("DELETE FROM audit_entries").isOk());
  EXPECT_TRUE(store->queryAudit({})->empty());
}

// ---- practitioner activity -------------------------------------------------------------------

TEST_P(StoreRoles, DeclaredActivityIsReplacedByANewDeclaration) {
  EXPECT_EQ(store->getPractitionerActivity("10000000001", 2026).error().code(),
            common::StatusCode::kNotFound);
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2026, 4200, 30).isOk());
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2026, 4300, std::nullopt).isOk());
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2025, 3900, 35).isOk());
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2026), 4300);
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2025), 3900);
  // The threshold is written with its declaration: the new 2026 one cleared it.
  EXPECT_EQ(*store->getPractitionerCapPercent("10000000001", 2026), std::nullopt);
  EXPECT_EQ(*store->getPractitionerCapPercent("10000000001", 2025), std::optional<int>(35));
  EXPECT_EQ(store->upsertPractitionerActivity("10000000001", 2026, 10, 101).code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2026), 4300);
  EXPECT_EQ(store->upsertPractitionerActivity("10000000001", 2026, -1, std::nullopt).code(),
            common::StatusCode::kInvalidArgument);
}
