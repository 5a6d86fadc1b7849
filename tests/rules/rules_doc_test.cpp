// docs/rules.md is checked against the rule table the engine runs (issue 10): every rule ID
// has a section with its effective date and its source, and a row in the summary.
#include <gtest/gtest.h>

#include <string>

#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using testsupport::readSourceFile;

/// The text of the section "### <id> — ..." up to the next heading, or "".
std::string sectionOf(const std::string& doc, std::string_view id) {
  const std::string heading = "\n### " + std::string(id) + " — ";
  const std::size_t begin = doc.find(heading);
  if (begin == std::string::npos) return {};
  const std::size_t end = doc.find("\n#", begin + heading.size());
  return doc.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(RulesDocumentation, EveryRuleHasASectionWithItsEffectiveDateAndSource) {
  const std::string doc = readSourceFile("docs/rules.md");
  const RuleConfig defaults;
  for (const RuleInfo* info : ruleCatalogue()) {
    ASSERT_NE(info, nullptr);
    const std::string section = sectionOf(doc, info->id);
    ASSERT_FALSE(section.empty()) << info->id << " has no section in docs/rules.md";
    const EffectivePeriod period = defaults.effectivePeriod(info->id);
    const std::string inForce =
        period.from ? "**In force**: from " + period.from->toString() : "**In force**: always";
    EXPECT_NE(section.find(inForce), std::string::npos) << info->id << ": expected " << inForce;
    const std::size_t source = section.find("**Source**");
    EXPECT_NE(source, std::string::npos) << info->id << " has no source";
    if (!info->sourceDate.empty() && source != std::string::npos) {
      // The source's year is cited (texts are dated in French: "20 juin 2024").
      EXPECT_NE(section.find(std::string(info->sourceDate.substr(0, 4)), source), std::string::npos)
          << info->id << ": source dated " << info->sourceDate;
    }
    EXPECT_NE(doc.find("| `" + std::string(info->id) + "` |"), std::string::npos)
        << info->id << " is missing from the summary table";
  }
}

TEST(RulesDocumentation, EveryRuleHasBothDescriptionsForTheCatalogueApi) {
  for (const RuleInfo* info : ruleCatalogue()) {
    EXPECT_FALSE(info->descriptionFr.empty()) << info->id;
    EXPECT_FALSE(info->summary.empty()) << info->id;
    if (!info->sourceDate.empty()) {
      EXPECT_TRUE(fhir::Date::parse(info->sourceDate)) << info->id;
    }
    if (!info->effectiveFrom.empty()) {
      EXPECT_TRUE(fhir::Date::parse(info->effectiveFrom)) << info->id;
    }
  }
}

}  // namespace
}  // namespace fhirgw::rules
