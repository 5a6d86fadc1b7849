// Golden cases: tests/data/rules/<case>/{input.json, expected.outcome.json}. The expected outcome
// lists, in order, the parse issues then the rule issues a create request would answer, plus the
// flags the mapping and routing read.
#include <gtest/gtest.h>

#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using testing::json;
using testing::readSourceFile;

std::string member(const rapidjson::Value& v, const char* key) {
  return v.HasMember(key) ? std::string(v[key].GetString(), v[key].GetStringLength())
                          : std::string();
}

/// One line per issue: "severity code rule expression".
std::vector<std::string> lines(const std::vector<fhir::Issue>& issues) {
  std::vector<std::string> out;
  for (const fhir::Issue& i : issues) {
    out.push_back(std::string(fhir::severityCode(i.severity)) + " " + i.code + " " + i.ruleId +
                  " " + i.expression);
  }
  return out;
}

std::vector<std::string> expectedLines(const rapidjson::Value& expected) {
  std::vector<std::string> out;
  for (const auto& i : expected["issues"].GetArray()) {
    out.push_back(member(i, "severity") + " " + member(i, "code") + " " + member(i, "rule") + " " +
                  member(i, "expression"));
  }
  return out;
}

class GoldenRules : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenRules, ProducesTheExpectedOutcome) {
  const std::string dir = std::string("tests/data/rules/") + GetParam();
  const common::JsonDocument input = json(readSourceFile(dir + "/input.json"));
  const common::JsonDocument expected = json(readSourceFile(dir + "/expected.outcome.json"));
  const rapidjson::Value& e = expected.root();

  const domain::TeleconsultationParse parsed = domain::parseTeleconsultation(input);
  ASSERT_EQ(parsed.malformed(), e["malformed"].GetBool());
  if (parsed.malformed()) {
    EXPECT_EQ(lines(parsed.typeErrors), expectedLines(e));
    return;
  }
  common::ManualClock clock(testing::testNow());
  testing::FakeHistory history;
  const RuleEngine engine({}, clock, &history);
  common::Result<RuleOutcome> outcome = engine.evaluate(parsed.record);
  ASSERT_TRUE(outcome.hasValue());
  std::vector<fhir::Issue> all = parsed.issues;
  all.insert(all.end(), outcome->issues.begin(), outcome->issues.end());
  EXPECT_EQ(lines(all), expectedLines(e));
  EXPECT_EQ(outcome->notReimbursable, e["notReimbursable"].GetBool());
  EXPECT_EQ(outcome->insQualified, e["insQualified"].GetBool());
  for (const fhir::Issue& i : all) {
    EXPECT_FALSE(i.detailsText.empty()) << i.expression;
    EXPECT_FALSE(i.diagnostics.empty()) << i.expression;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenRules,
                         ::testing::Values("reimbursement-warnings", "blocking-errors",
                                           "type-errors"),
                         [](const auto& param) {
                           std::string name = param.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace fhirgw::rules
