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

TEST(Ids, DeterministicUuidInTimeOfAVersion7IdCarriesItsTimestamp) {
  // A version-7 id of 2025-12-04T05:06:27.772Z (0x019ae7c12b3c milliseconds).
  const std::string anchor = "019ae7c1-2b3c-7d4e-9f60-0123456789ab";
  const std::string id = deterministicUuidInTimeOf(anchor, {"client-1", anchor, "Patient"});
  EXPECT_TRUE(std::regex_match(
      id, std::regex("^019ae7c1-2b3c-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
      << id;
  // Deterministic, and the rest still depends on every part.
  EXPECT_EQ(id, deterministicUuidInTimeOf(anchor, {"client-1", anchor, "Patient"}));
  EXPECT_NE(id, deterministicUuidInTimeOf(anchor, {"client-2", anchor, "Patient"}));
  EXPECT_NE(id, deterministicUuidInTimeOf(anchor, {"client-1", anchor, "Encounter"}));
  // The bits after the timestamp are those of deterministicUuid's hash, not the anchor's.
  const std::string plain = deterministicUuid({"client-1", anchor, "Patient"});
  EXPECT_EQ(id.substr(15, 3), plain.substr(15, 3));
  EXPECT_EQ(id.substr(20), plain.substr(20));
}

TEST(Ids, DeterministicUuidInTimeOfSortsIdsOfLaterAnchorsAfter) {
  const std::string earlier = "019ae7c1-2b3c-7fff-bfff-ffffffffffff";
  const std::string later = "019ae7c1-2b3d-7000-8000-000000000000";
  for (const char* element : {"Patient", "Encounter", "Provenance"}) {
    EXPECT_LT(deterministicUuidInTimeOf(earlier, {"c", earlier, element}),
              deterministicUuidInTimeOf(later, {"c", later, element}))
        << element;
  }
}

TEST(Ids, DeterministicUuidInTimeOfAnyOtherAnchorIsDeterministicUuid) {
  for (const std::string anchor :
       {"rec-1",                                 // the fixed ids of tests
        "3f2b6c1e-9d4a-4b7e-8c2d-0123456789ab",  // a version-4 id of an older record
        "019ae7c1-2b3c-7d4e-7f60-0123456789ab",  // version 7 but not the RFC 9562 variant
        "019ae7c1-2b3c-7d4e-9f60-0123456789a",   // one digit short
        "019ae7c1x2b3c-7d4e-9f60-0123456789ab",  // a dash missing
        "019ae7c1-2b3c-7d4e-9f60-0123456789ag",  // not hex
        ""}) {
    EXPECT_EQ(deterministicUuidInTimeOf(anchor, {"client-1", anchor, "Patient"}),
              deterministicUuid({"client-1", anchor, "Patient"}))
        << anchor;
  }
}
