// Golden cases: tests/data/rules/<case>/{input.json, expected.outcome.json}, every folder with an
// input.json. input.json is a teleconsultation body; expected.outcome.json what checking it gives:
// whether the body is malformed (then only its type errors: the rules do not run), else the parse
// issues then the rule issues a create request would answer, in order, each with its severity,
// code, rule, expression and both texts, and the flags the mapping and routing read
// (notReimbursable and its reasons, insQualified). Compared as canonical JSON, as the mapping and
// API goldens (testsupport/golden_file.hpp); set FHIRGW_UPDATE_GOLDENS=1 to rewrite the expected
// files after an intended change, then review the diff.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/golden_file.hpp"
#include "fhirgw/testsupport/json_text.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

namespace fs = std::filesystem;
using testsupport::json;
using testsupport::JsonValue;

fs::path caseRoot() { return testsupport::sourcePath("tests/data/rules"); }

JsonValue boolean(bool b) {
  JsonValue v;
  v.kind = b ? JsonValue::Kind::kTrue : JsonValue::Kind::kFalse;
  return v;
}

JsonValue array(const std::vector<std::string>& strings) {
  JsonValue v;
  v.kind = JsonValue::Kind::kArray;
  for (const std::string& s : strings) v.items.push_back(JsonValue::string(s));
  return v;
}

JsonValue issuesJson(const std::vector<fhir::Issue>& issues) {
  JsonValue out;
  out.kind = JsonValue::Kind::kArray;
  for (const fhir::Issue& i : issues) {
    JsonValue issue = JsonValue::object();
    issue.add("severity", JsonValue::string(std::string(fhir::severityCode(i.severity))));
    issue.add("code", JsonValue::string(i.code));
    issue.add("rule", JsonValue::string(i.ruleId));
    issue.add("expression", JsonValue::string(i.expression));
    issue.add("details", JsonValue::string(i.detailsText));
    issue.add("diagnostics", JsonValue::string(i.diagnostics));
    out.items.push_back(std::move(issue));
  }
  return out;
}

// Every issue says what is wrong to both readers: a golden rewritten with FHIRGW_UPDATE_GOLDENS
// must not record an empty text.
void expectTexts(const std::vector<fhir::Issue>& issues) {
  for (const fhir::Issue& i : issues) {
    EXPECT_FALSE(i.detailsText.empty()) << i.expression;
    EXPECT_FALSE(i.diagnostics.empty()) << i.expression;
  }
}

class GoldenRules : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenRules, ProducesTheExpectedOutcome) {
  const fs::path dir = caseRoot() / GetParam();
  const common::JsonDocument input = json(testsupport::readFile(dir / "input.json"));

  JsonValue actual = JsonValue::object();
  const domain::TeleconsultationParse parsed = domain::parseTeleconsultation(input);
  actual.add("malformed", boolean(parsed.malformed()));
  if (parsed.malformed()) {
    expectTexts(parsed.typeErrors);
    actual.add("issues", issuesJson(parsed.typeErrors));
  } else {
    common::ManualClock clock(testsupport::gatewayTestNow());
    testing::FakeHistory history;
    const RuleEngine engine({}, clock, &history);
    common::Result<RuleOutcome> outcome = engine.evaluate(parsed.record);
    ASSERT_TRUE(outcome.hasValue()) << outcome.error().toString();
    std::vector<fhir::Issue> all = parsed.issues;
    all.insert(all.end(), outcome->issues.begin(), outcome->issues.end());
    expectTexts(all);
    actual.add("notReimbursable", boolean(outcome->notReimbursable));
    actual.add("notReimbursableReasons", array(outcome->notReimbursableReasons));
    actual.add("insQualified", boolean(outcome->insQualified));
    actual.add("issues", issuesJson(all));
  }
  const testsupport::GoldenFile golden{dir / "expected.outcome.json",
                                       testsupport::MemberOrder::kAsWritten};
  if (auto mismatch = testsupport::goldenMismatch(actual, golden)) ADD_FAILURE() << *mismatch;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GoldenRules, ::testing::ValuesIn(testsupport::goldenCaseNames(caseRoot(), "input.json")),
    [](const auto& param) { return testsupport::goldenTestName(param.param); });

}  // namespace
}  // namespace fhirgw::rules
