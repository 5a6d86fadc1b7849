#include "fhirgw/fhir/operation_outcome.hpp"

#include <gtest/gtest.h>

#include "fhirgw/common/json.hpp"

using namespace fhirgw::fhir;

TEST(OperationOutcome, CarriesRuleCodingTextsAndExpression) {
  Issue i;
  i.severity = IssueSeverity::kError;
  i.code = "business-rule";
  i.ruleId = "TLC-VIDEO";
  i.detailsText = "La teleconsultation doit se faire en video.";
  i.diagnostics = "encounter.channel must be video";
  i.expression = "encounter.channel";
  auto doc = operationOutcome({i});
  EXPECT_EQ(
      fhirgw::common::toJsonString(doc),
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"business-rule",)"
      R"("details":{"coding":[{"system":"https://fhir-gateway.fr/fhir/CodeSystem/rule",)"
      R"("code":"TLC-VIDEO"}],"text":"La teleconsultation doit se faire en video."},)"
      R"("diagnostics":"encounter.channel must be video","expression":["encounter.channel"]}]})");
}

TEST(OperationOutcome, EmptyListGivesTheAllOkIssueUnlessAllowed) {
  auto strict = operationOutcome({});
  ASSERT_EQ(strict["issue"].Size(), 1u);
  EXPECT_STREQ(strict["issue"][0]["code"].GetString(), "informational");
  auto relaxed = operationOutcome({}, /*allowEmpty=*/true);
  EXPECT_EQ(relaxed["issue"].Size(), 0u);
}

TEST(OperationOutcome, ErrorsAreDetectedAmongWarnings) {
  Issue w;
  w.severity = IssueSeverity::kWarning;
  Issue e;
  e.severity = IssueSeverity::kError;
  EXPECT_FALSE(hasErrors({w}));
  EXPECT_TRUE(hasErrors({w, e}));
}
