#include "fhirgw/fhir/issues.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(ScopedPath, JoinsFieldsWithDotsAndIndicesWithBrackets) {
  ScopedPath path;
  EXPECT_EQ(path.str(), "");
  const ScopedPath::Scope bundle = path.withField("Bundle");
  const ScopedPath::Scope entry = path.withField("entry");
  const ScopedPath::Scope item = path.withIndex(2);
  const ScopedPath::Scope name = path.withField("resource.name");
  EXPECT_EQ(path.str(), "Bundle.entry[2].resource.name");
  EXPECT_EQ(path.child("given"), "Bundle.entry[2].resource.name.given");
  EXPECT_EQ(path.child(""), "Bundle.entry[2].resource.name");
}

TEST(ScopedPath, AScopeEndsWithItsBlock) {
  ScopedPath path;
  const ScopedPath::Scope encounter = path.withField("encounter");
  {
    const ScopedPath::Scope consent = path.withField("consent");
    EXPECT_EQ(path.child("at"), "encounter.consent.at");
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const ScopedPath::Scope item = path.withIndex(i);
    EXPECT_EQ(path.str(), "encounter[" + std::to_string(i) + "]");
  }
  EXPECT_EQ(path.str(), "encounter");
}

TEST(ScopedPath, AtTheRootAChildIsItsNameAndAnIndexHasNoDot) {
  ScopedPath path;
  EXPECT_EQ(path.child("patient"), "patient");
  const ScopedPath::Scope item = path.withIndex(0);
  EXPECT_EQ(path.child("kind"), "[0].kind");
}

TEST(ScopedPath, AMovedScopeEndsOnce) {
  ScopedPath path;
  {
    ScopedPath::Scope outer = path.withField("a");
    ScopedPath::Scope moved = std::move(outer);
    EXPECT_EQ(path.str(), "a");
  }
  EXPECT_TRUE(path.empty());
}

TEST(IssueSink, KeepsIssuesInOrderAndTellsErrors) {
  IssueSink sink;
  EXPECT_TRUE(sink.empty());
  sink.add(Issue{.severity = IssueSeverity::kWarning, .code = "value", .expression = "a"});
  EXPECT_FALSE(sink.hasErrors());
  sink.addAll({Issue{.code = "required", .expression = "b"},
               Issue{.severity = IssueSeverity::kInformation, .expression = "c"}});
  EXPECT_TRUE(sink.hasErrors());
  EXPECT_EQ(sink.size(), 3U);
  const std::vector<Issue> issues = sink.take();
  EXPECT_THAT(issues, ElementsAre(Field(&Issue::expression, "a"), Field(&Issue::expression, "b"),
                                  Field(&Issue::expression, "c")));
  EXPECT_TRUE(sink.empty());
}

}  // namespace
}  // namespace fhirgw::fhir
