#include "fhirgw/fhir/r4_elements.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

TEST(R4Elements, IdentifierIsAListOnMostResourcesAndSingleOnAFew) {
  EXPECT_EQ(elementCardinality("Patient", "identifier"), ElementCardinality::kList);
  EXPECT_EQ(elementCardinality("Encounter", "identifier"), ElementCardinality::kList);
  EXPECT_EQ(elementCardinality("DocumentReference", "identifier"), ElementCardinality::kList);
  EXPECT_EQ(elementCardinality("Composition", "identifier"), ElementCardinality::kSingle);
  EXPECT_EQ(elementCardinality("Bundle", "identifier"), ElementCardinality::kSingle);
  EXPECT_EQ(elementCardinality("QuestionnaireResponse", "identifier"), ElementCardinality::kSingle);
}

TEST(R4Elements, ResourcesWithoutAnIdentifierSayAbsent) {
  for (const char* type : {"Binary", "Provenance", "AuditEvent", "OperationOutcome", "Parameters",
                           "Subscription", "CapabilityStatement"}) {
    EXPECT_EQ(elementCardinality(type, "identifier"), ElementCardinality::kAbsent) << type;
  }
}

TEST(R4Elements, OtherElementsFollowTheirDefinition) {
  EXPECT_EQ(elementCardinality("Patient", "birthDate"), ElementCardinality::kSingle);
  EXPECT_EQ(elementCardinality("Patient", "name"), ElementCardinality::kList);
  EXPECT_EQ(elementCardinality("DocumentReference", "masterIdentifier"),
            ElementCardinality::kSingle);
}

TEST(R4Elements, UnknownTypesAndElementsAndNonResourcesSayAbsent) {
  EXPECT_EQ(elementCardinality("NoSuchType", "identifier"), ElementCardinality::kAbsent);
  EXPECT_EQ(elementCardinality("Patient", "noSuchElement"), ElementCardinality::kAbsent);
  EXPECT_EQ(elementCardinality("HumanName", "given"), ElementCardinality::kAbsent);
  EXPECT_EQ(elementCardinality("", ""), ElementCardinality::kAbsent);
}

}  // namespace
}  // namespace fhirgw::fhir
