#include "fhirgw/fhir/reference.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

LiteralReference parsed(std::string_view text) {
  const std::optional<LiteralReference> ref = parseLiteralReference(text);
  EXPECT_TRUE(ref.has_value()) << text;
  return ref.value_or(LiteralReference{});
}

TEST(LiteralReference, RelativeTypeAndId) {
  const LiteralReference ref = parsed("Patient/p-1.2");
  EXPECT_EQ(ref.form, ReferenceForm::kRelative);
  EXPECT_EQ(ref.base, "");
  EXPECT_EQ(ref.type, "Patient");
  EXPECT_EQ(ref.id, "p-1.2");
  EXPECT_FALSE(ref.version.has_value());
}

TEST(LiteralReference, AbsoluteWithBaseAndVersion) {
  const LiteralReference ref = parsed("https://h.example/fhir/Patient/12/_history/3");
  EXPECT_EQ(ref.form, ReferenceForm::kAbsolute);
  EXPECT_EQ(ref.base, "https://h.example/fhir/");
  EXPECT_EQ(ref.type, "Patient");
  EXPECT_EQ(ref.id, "12");
  EXPECT_EQ(ref.version, "3");
}

TEST(LiteralReference, VersionIsTheTextAfterTheFirstHistoryAndIsNotChecked) {
  EXPECT_EQ(parsed("Patient/1/_history/v!").version, "v!");
  EXPECT_EQ(parsed("Patient/1/_history/2/_history/3").version, "2/_history/3");
  EXPECT_EQ(parsed("Patient/1/_history/").version, "");
  EXPECT_EQ(parsed("https://h.example/page/_history/x").version, "x");
}

TEST(LiteralReference, RelativePrefixIsKeptAsTheBase) {
  // The validator refuses these; the bundle writers still find Patient/1.
  EXPECT_EQ(parsed("a/Patient/1").base, "a/");
  EXPECT_EQ(parsed("/Patient/1").base, "/");
  EXPECT_EQ(parsed("/Patient/1").form, ReferenceForm::kRelative);
}

TEST(LiteralReference, TypeIsShapedNotLookedUp) {
  EXPECT_EQ(parsed("Foo/1").type, "Foo");
  EXPECT_EQ(parsed("https://h.example/fhir/Foo/1").form, ReferenceForm::kAbsolute);
}

TEST(LiteralReference, FragmentsAndUrns) {
  EXPECT_EQ(parsed("#c1").form, ReferenceForm::kFragment);
  EXPECT_EQ(parsed("#c1").id, "c1");
  EXPECT_EQ(parsed("#").id, "");
  EXPECT_EQ(parsed("urn:uuid:abc").form, ReferenceForm::kUrnUuid);
  EXPECT_EQ(parsed("urn:uuid:abc").id, "abc");
  EXPECT_EQ(parsed("urn:oid:1.2.250").form, ReferenceForm::kUrnOid);
  EXPECT_EQ(parsed("urn:oid:1.2.250").id, "1.2.250");
  // A URN is never split further.
  EXPECT_EQ(parsed("urn:oid:1.2/Patient/1").form, ReferenceForm::kUrnOid);
  EXPECT_FALSE(parsed("urn:uuid:a/_history/1").version.has_value());
}

TEST(LiteralReference, ConditionalIsARelativeTypeAndAQuery) {
  const LiteralReference ref = parsed("Patient?identifier=urn:oid:1.2|123");
  EXPECT_EQ(ref.form, ReferenceForm::kConditional);
  EXPECT_EQ(ref.type, "Patient");
  EXPECT_EQ(ref.query, "identifier=urn:oid:1.2|123");
  // The query may itself end in something shaped like Type/id: still a conditional reference.
  EXPECT_EQ(parsed("Patient?identifier=a/Practitioner/c").form, ReferenceForm::kConditional);
  EXPECT_EQ(parsed("Patient?").query, "");
}

TEST(LiteralReference, AbsoluteUrlsNotEndingInTypeAndIdAreOtherUrls) {
  for (const char* url :
       {"https://h.example/some/page", "https://h.example/fhir/Patient?x=1",
        "https://h.example/fhir/Patient/1/", "https://h.example/fhir/patient/1"}) {
    EXPECT_EQ(parsed(url).form, ReferenceForm::kOtherUrl) << url;
  }
}

TEST(LiteralReference, RelativeTextInNoFormIsNotAReference) {
  for (const char* text :
       {"", "nothing", "Patient 12", "Patient/", "patient/1", "Patient/1?x", "?identifier=x",
        "a/Patient?x", "1Patient/1", "Patient/1 ",
        "Patient/0123456789012345678901234567890123456789012345678901234567890123X"}) {
    EXPECT_FALSE(parseLiteralReference(text).has_value()) << text;
  }
  // 64 characters is the longest id.
  EXPECT_TRUE(parseLiteralReference(
                  "Patient/0123456789012345678901234567890123456789012345678901234567890123")
                  .has_value());
}

// The payload resources a stored reference names, the same way in every bundle the gateway
// writes: looser than the validator (which refuses "a/Patient/1", a bad version, "Foo/1").
TEST(ReferenceIndex, FindsTypeAndIdWhateverTheBaseAndVersion) {
  ReferenceIndex index;
  index.add("Patient", "1", "urn:uuid:full-1");
  index.add("Foo", "2", "https://h.example/fhir/Foo/2");
  for (const char* patient :
       {"Patient/1", "a/Patient/1", "/Patient/1", "Patient/1/_history/v!",
        "https://h.example/fhir/Patient/1/_history/2", "urn:uuid:1", "urn:uuid:full-1"}) {
    EXPECT_EQ(index.find(patient), 0U) << patient;
  }
  EXPECT_EQ(index.find("Foo/2"), 1U);
  EXPECT_EQ(index.find("https://h.example/fhir/Foo/2"), 1U);
  EXPECT_EQ(index.fullUrl(1), "https://h.example/fhir/Foo/2");
}

TEST(ReferenceIndex, OtherFormsAndUnknownResourcesNameNothing) {
  ReferenceIndex index;
  index.add("Patient", "1", "urn:uuid:full-1");
  for (const char* none :
       {"", "#", "#1", "Patient/2", "Practitioner/1", "patient/1", "Patient/1?x",
        "Patient?identifier=1", "urn:oid:1", "https://h.example/some/page",
        "https://h.example/fhir/Patient/1/",
        // A conditional reference and a URN are not split further, even when they end in Type/id.
        "Patient?identifier=a/Patient/1", "urn:oid:1.2/Patient/1"}) {
    EXPECT_FALSE(index.find(none).has_value()) << none;
  }
}

TEST(ReferenceIndex, TheFirstResourceAddedUnderAKeyKeepsIt) {
  ReferenceIndex index;
  index.add("Patient", "1", "urn:uuid:a");
  index.add("Patient", "1", "urn:uuid:b");
  EXPECT_EQ(index.find("Patient/1"), 0U);
  EXPECT_EQ(index.find("urn:uuid:b"), 1U);
}

}  // namespace
}  // namespace fhirgw::fhir
