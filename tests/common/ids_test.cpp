#include "fhirgw/common/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

using namespace fhirgw::common;

namespace {
const std::regex kUuid(
    "^[0-9a-f]{8}-[0-9a-f]{4}-([45])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
}

TEST(Ids, RandomUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = newUuid();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(id, m, kUuid)) << id;
    EXPECT_EQ(m[1], "4");
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, SecretTokensAre256BitHex) {
  const std::string t = newSecretToken();
  EXPECT_EQ(t.size(), 64u);
  EXPECT_TRUE(std::regex_match(t, std::regex("^[0-9a-f]{64}$")));
  EXPECT_NE(t, newSecretToken());
}

TEST(Ids, DeterministicUuidIsStableAndVersion5) {
  const std::string a = deterministicUuid({"client-1", "LGC-1", "Patient"});
  std::smatch m;
  ASSERT_TRUE(std::regex_match(a, m, kUuid)) << a;
  EXPECT_EQ(m[1], "5");
  EXPECT_EQ(a, deterministicUuid({"client-1", "LGC-1", "Patient"}));
  EXPECT_NE(a, deterministicUuid({"client-2", "LGC-1", "Patient"}));
}

TEST(Ids, DeterministicUuidSeparatesPartBoundaries) {
  EXPECT_NE(deterministicUuid({"ab", "c"}), deterministicUuid({"a", "bc"}));
}
