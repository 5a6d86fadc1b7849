#include "formats/fhir_references.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::connectors::detail;

TEST(FhirReferences, UuidsBecomeOidsUnderTwoDotTwentyFive) {
  EXPECT_EQ(uuidToOid("00000000-0000-0000-0000-000000000000"), "2.25.0");
  EXPECT_EQ(uuidToOid("00000000-0000-0000-0000-00000000000a"), "2.25.10");
  // The example of ITU-T X.667.
  EXPECT_EQ(uuidToOid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
            "2.25.329800735698586629295641978511506172918");
  EXPECT_TRUE(isUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_FALSE(isUuid("f81d4fae7dec11d0a76500a0c91e6bf6"));
}
