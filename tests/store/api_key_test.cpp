#include "fhirgw/store/api_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhirgw/common/crypto.hpp"

using namespace fhirgw::store;

TEST(StoreApiKey, GeneratedKeyIsKeyIdDotSecretAndOnlyTheHashIsStored) {
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

TEST(StoreApiKey, SplitGivesBothHalvesOfAWellFormedToken) {
  const auto parts = splitApiKey("kabc_12-3.secret.with.dots");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->keyId, "kabc_12-3");
  EXPECT_EQ(parts->secret, "secret.with.dots");
}

TEST(StoreApiKey, MalformedTokensAreRejectedBeforeAnyLookup) {
  for (const std::string& token :
       std::vector<std::string>{"", "nodot", ".secret", "kid.", "k id.secret", "k'--.secret",
                                std::string(65, 'k') + ".s", "kid." + std::string(257, 's')}) {
    EXPECT_FALSE(splitApiKey(token).has_value()) << token;
  }
}

TEST(StoreClientRole, RoundTrip) {
  for (ClientRole role : {ClientRole::kEditor, ClientRole::kAdmin}) {
    EXPECT_EQ(parseClientRole(clientRoleName(role)), role);
  }
  EXPECT_FALSE(parseClientRole("root").has_value());
}
