#include "formats/fhir_references.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::connectors::detail;

TEST(FhirReferences, KeysOfRelativeAbsoluteAndUuidReferences) {
  EXPECT_EQ(referenceKey("Patient/123"), "Patient/123");
  EXPECT_EQ(referenceKey("https://h.example/fhir/Patient/123/_history/2"), "Patient/123");
  EXPECT_EQ(referenceKey("urn:uuid:abc"), "urn:uuid:abc");
  EXPECT_FALSE(referenceKey("#c1").has_value());
  EXPECT_FALSE(referenceKey("nothing").has_value());
}

// Looser than the validator (which refuses all of these): the bundle writers find the payload
// resource a reference names whatever its base and version, and a type is only shaped.
TEST(FhirReferences, KeysIgnoreTheBaseTheVersionAndWhetherR4KnowsTheType) {
  EXPECT_EQ(referenceKey("a/Patient/1"), "Patient/1");
  EXPECT_EQ(referenceKey("/Patient/1"), "Patient/1");
  EXPECT_EQ(referenceKey("Patient/1/_history/v!"), "Patient/1");
  EXPECT_EQ(referenceKey("Foo/1"), "Foo/1");
  EXPECT_EQ(referenceKey("https://h.example/fhir/Foo/1"), "Foo/1");
  EXPECT_EQ(referenceKey("urn:uuid:not-a-uuid"), "urn:uuid:not-a-uuid");
}

TEST(FhirReferences, OtherFormsNameNoPayloadResource) {
  for (const char* none :
       {"", "#", "Patient/", "patient/1", "Patient/1?x", "Patient?identifier=x",
        "urn:oid:1.2.250.1.71", "https://h.example/some/page", "https://h.example/fhir/Patient?x=1",
        "https://h.example/fhir/Patient/1/",
        // A conditional reference and a URN are not split further, even when they end in Type/id.
        "Patient?identifier=a/Practitioner/c", "urn:oid:1.2/Patient/1"}) {
    EXPECT_FALSE(referenceKey(none).has_value()) << none;
  }
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
