#include "json_tree.hpp"

#include <gtest/gtest.h>

#include "fhir_references.hpp"

using namespace fhirgw::connectors::detail;

TEST(JsonTree, RoundTripsNumbersAsWrittenAndKeepsMemberOrder) {
  const std::string text =
      R"({"b":25.00,"a":[1e3,-0.0,true,null,"x\"y"],"c":{"d":12345678901234567890}})";
  auto tree = parseJsonTree(text);
  ASSERT_TRUE(tree.hasValue());
  EXPECT_EQ(serialize(*tree), text);
}

TEST(JsonTree, SetReplacesInPlaceAndEraseRemoves) {
  auto tree = parseJsonTree(R"({"a":1,"b":2})");
  tree->set("a", Json::string("x"));
  tree->set("c", Json::boolean(false));
  EXPECT_TRUE(tree->erase("b"));
  EXPECT_FALSE(tree->erase("zz"));
  EXPECT_EQ(serialize(*tree), R"({"a":"x","c":false})");
}

TEST(FhirReferences, KeysOfRelativeAbsoluteAndUuidReferences) {
  EXPECT_EQ(referenceKey("Patient/123"), "Patient/123");
  EXPECT_EQ(referenceKey("https://h.example/fhir/Patient/123/_history/2"), "Patient/123");
  EXPECT_EQ(referenceKey("urn:uuid:abc"), "urn:uuid:abc");
  EXPECT_FALSE(referenceKey("#c1").has_value());
  EXPECT_FALSE(referenceKey("nothing").has_value());
}

TEST(FhirReferences, UuidsBecomeOidsUnderTwoDotTwentyFive) {
  EXPECT_EQ(uuidToOid("00000000-0000-0000-0000-000000000000"), "2.25.0");
  EXPECT_EQ(uuidToOid("00000000-0000-0000-0000-00000000000a"), "2.25.10");
  // The example of ITU-T X.667.
  EXPECT_EQ(uuidToOid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
            "2.25.329800735698586629295641978511506172918");
  EXPECT_TRUE(isUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_FALSE(isUuid("f81d4fae7dec11d0a76500a0c91e6bf6"));
}
