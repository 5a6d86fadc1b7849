#include "fhirgw/gateway/api_keys.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/sqlite_store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

using namespace fhirgw::gateway;
using fhirgw::store::ClientRole;
namespace common = fhirgw::common;

TEST(ApiKeys, GeneratedKeyIsKeyIdDotSecretAndOnlyTheHashIsStored) {
  const GeneratedApiKey key = generateApiKey();
  ASSERT_EQ(key.keyId.size(), 17u);
  EXPECT_EQ(key.keyId[0], 'k');
  ASSERT_EQ(key.token.size(), 17u + 1u + 64u);
  EXPECT_EQ(key.token.substr(0, 18), key.keyId + ".");
  const std::string secret = key.token.substr(18);
  EXPECT_TRUE(fhirgw::common::verifySecret(secret, key.secretHash));
  EXPECT_EQ(key.secretHash.find(secret), std::string::npos);
  EXPECT_EQ(key.stored().keyId, key.keyId);
  EXPECT_NE(generateApiKey().token, key.token);
}

TEST(ApiKeys, SplitGivesBothHalvesOfAWellFormedToken) {
  const auto parts = splitApiKey("kabc_12-3.secret.with.dots");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->keyId, "kabc_12-3");
  EXPECT_EQ(parts->secret, "secret.with.dots");
}

TEST(ApiKeys, MalformedTokensAreRejectedBeforeAnyLookup) {
  for (const std::string& token :
       std::vector<std::string>{"", "nodot", ".secret", "kid.", "k id.secret", "k'--.secret",
                                std::string(65, 'k') + ".s", "kid." + std::string(257, 's')}) {
    EXPECT_FALSE(splitApiKey(token).has_value()) << token;
  }
}

// ---- against a real store --------------------------------------------------------------------

class ApiKeysInAStore : public ::testing::Test {
 protected:
  std::unique_ptr<fhirgw::store::SqliteStore> open() {
    auto store = fhirgw::store::SqliteStore::open((dir.path() / "gateway.db").string(), {}, clock);
    EXPECT_TRUE(store.hasValue()) << store.status().toString();
    return store.hasValue() ? std::move(*store) : nullptr;
  }

  fhirgw::testsupport::TempDir dir;
  common::ManualClock clock{fhirgw::testsupport::testStart()};
};

TEST_F(ApiKeysInAStore, AGeneratedKeyAuthenticatesItsClient) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const GeneratedApiKey key = generateApiKey();
  ASSERT_TRUE(
      store->createClient({"c-1", "Téléconsult SAS", ClientRole::kEditor, 120}, key.stored())
          .isOk());
  auto authenticated = authenticateApiKey(*store, key.token);
  ASSERT_TRUE(authenticated.hasValue()) << authenticated.status().toString();
  EXPECT_EQ(authenticated->id, "c-1");
}

TEST_F(ApiKeysInAStore, WrongSecretUnknownKeyAndMalformedTokenAreAllUnauthenticated) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const GeneratedApiKey key = generateApiKey();
  ASSERT_TRUE(store->createClient({"c-1", "Editor", ClientRole::kEditor, {}}, key.stored()).isOk());
  const GeneratedApiKey other = generateApiKey();
  for (const std::string& token :
       {key.keyId + "." + std::string(64, '0'), other.token, std::string("no-dot-here"),
        std::string(".secret"), key.keyId + "."}) {
    auto result = authenticateApiKey(*store, token);
    ASSERT_FALSE(result.hasValue()) << token;
    EXPECT_EQ(result.error().code(), common::StatusCode::kUnauthenticated) << token;
    EXPECT_EQ(result.error().message(), "invalid API key");
  }
}

TEST_F(ApiKeysInAStore, DisabledClientAndRevokedKeyStopAuthenticating) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const GeneratedApiKey first = generateApiKey();
  const GeneratedApiKey second = generateApiKey();
  ASSERT_TRUE(
      store->createClient({"c-1", "Editor", ClientRole::kEditor, {}}, first.stored()).isOk());
  ASSERT_TRUE(store->addApiKey("c-1", second.stored()).isOk());
  EXPECT_TRUE(authenticateApiKey(*store, second.token).hasValue());

  ASSERT_TRUE(store->revokeApiKey("c-1", first.keyId).isOk());
  EXPECT_FALSE(authenticateApiKey(*store, first.token).hasValue());
  EXPECT_TRUE(authenticateApiKey(*store, second.token).hasValue());

  ASSERT_TRUE(store->disableClient("c-1").isOk());
  EXPECT_FALSE(authenticateApiKey(*store, second.token).hasValue());
  EXPECT_TRUE(store->getClient("c-1")->disabled);
}
