#include "fhirgw/common/json.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

using namespace fhirgw::common;

TEST(JsonParsing, KeepsNumbersAsTheirOriginalText) {
  auto doc = parseJson(R"({"amount": 25.00, "big": 1e-400})");
  ASSERT_TRUE(doc.hasValue()) << doc.error().toString();
  ASSERT_TRUE((*doc)["amount"].IsString());
  EXPECT_STREQ((*doc)["amount"].GetString(), "25.00");
  EXPECT_STREQ((*doc)["big"].GetString(), "1e-400");
}

TEST(JsonParsing, TellsJsonNumbersFromJsonStrings) {
  auto doc = parseJson(R"({"n": 12, "s": "12", "a": [1, "1", true, null], "o": {"x": -0.5}})");
  ASSERT_TRUE(doc.hasValue());
  const auto& d = *doc;
  EXPECT_TRUE(d.isNumber(d["n"]));
  EXPECT_FALSE(d.isString(d["n"]));
  EXPECT_FALSE(d.isNumber(d["s"]));
  EXPECT_TRUE(d.isString(d["s"]));
  EXPECT_TRUE(d.isNumber(d["a"][0]));
  EXPECT_FALSE(d.isNumber(d["a"][1]));
  EXPECT_FALSE(d.isNumber(d["a"][2]));
  EXPECT_FALSE(d.isNumber(d["a"][3]));
  EXPECT_TRUE(d.isNumber(d["o"]["x"]));
}

TEST(JsonParsing, NumberMarksSurviveMovingTheDocument) {
  auto doc = parseJson("7");
  ASSERT_TRUE(doc.hasValue());
  JsonDocument moved = std::move(doc).value();
  EXPECT_TRUE(moved.isNumber(moved.root()));
}

TEST(JsonParsing, ReportsSyntaxErrorsWithTheByteOffset) {
  auto doc = parseJson(R"({"a": })");
  ASSERT_FALSE(doc.hasValue());
  EXPECT_EQ(doc.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(doc.error().message().find("byte 6"), std::string::npos) << doc.error().message();
}

TEST(JsonParsing, RejectsTrailingContent) {
  EXPECT_FALSE(parseJson(R"({"a": 1} {"b": 2})").hasValue());
}

TEST(JsonParsing, RejectsInvalidUtf8) {
  EXPECT_FALSE(parseJson("{\"a\": \"\xC3\x28\"}").hasValue());
}

TEST(JsonParsing, DepthLimitIsEnforcedExactly) {
  JsonLimits limits;
  limits.maxDepth = 3;
  EXPECT_TRUE(parseJson("[[[1]]]", limits).hasValue());
  auto deep = parseJson("[[[[1]]]]", limits);
  ASSERT_FALSE(deep.hasValue());
  EXPECT_NE(deep.error().message().find("deeper"), std::string::npos);
}

TEST(JsonParsing, VeryDeepInputFailsCleanlyWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(parseJson(deep).hasValue());
}

TEST(JsonParsing, ArrayLengthAndStringLimitsAreEnforced) {
  JsonLimits limits;
  limits.maxArrayLength = 2;
  limits.maxStringBytes = 4;
  EXPECT_TRUE(parseJson(R"({"a": [1, 2], "b": {"x": 1, "y": 2, "z": 3}})", limits).hasValue());
  EXPECT_FALSE(parseJson(R"([1, 2, 3])", limits).hasValue());
  EXPECT_TRUE(parseJson(R"(["abcd"])", limits).hasValue());
  EXPECT_FALSE(parseJson(R"(["abcde"])", limits).hasValue());
}

TEST(CanonicalJson, IgnoresMemberOrderAndWhitespace) {
  auto a = parseJson(R"({"b": [1, {"y": 2, "x": 1}], "a": "t"})");
  auto b = parseJson(R"({ "a":"t", "b":[1,{"x":1,"y":2}] })");
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  EXPECT_EQ(canonicalJson(*a), canonicalJson(*b));
  EXPECT_EQ(canonicalJson(*a), R"({"a":"t","b":[1,{"x":1,"y":2}]})");
  auto quoted = parseJson(R"({"a":"t","b":["1",{"x":1,"y":2}]})");
  ASSERT_TRUE(quoted.hasValue());
  EXPECT_NE(canonicalJson(*a), canonicalJson(*quoted));
}

TEST(CanonicalJson, DistinguishesArrayOrderAndNumberText) {
  auto a = parseJson(R"({"n": 25.0, "l": [1, 2]})");
  auto b = parseJson(R"({"n": 25.00, "l": [1, 2]})");
  auto c = parseJson(R"({"n": 25.0, "l": [2, 1]})");
  ASSERT_TRUE(a.hasValue() && b.hasValue() && c.hasValue());
  EXPECT_NE(canonicalJson(*a), canonicalJson(*b));
  EXPECT_NE(canonicalJson(*a), canonicalJson(*c));
}

TEST(CanonicalJson, SubValueKeepsItsNumbers) {
  auto doc = parseJson(R"({"documents": [{"quantity": 2, "kind": "report"}]})");
  ASSERT_TRUE(doc.hasValue());
  EXPECT_EQ(canonicalJson(*doc, (*doc)["documents"][0]), R"({"kind":"report","quantity":2})");
}

TEST(JsonParsing, RefusesDuplicateMemberNamesWithTheirPath) {
  JsonError where;
  auto doc =
      parseJson(R"({"encounter": {"consent": {"obtained": true, "obtained": false}}})", {}, &where);
  ASSERT_FALSE(doc.hasValue());
  EXPECT_NE(doc.error().message().find("twice"), std::string::npos) << doc.error().message();
  EXPECT_EQ(where.path, "encounter.consent.obtained");
}

TEST(JsonParsing, DuplicateNamesAreRefusedWhateverTheirValuesOrDepth) {
  EXPECT_FALSE(parseJson(R"({"a": 1, "a": 1})").hasValue());
  EXPECT_FALSE(parseJson(R"([{"x": {}}, {"y": [], "y": null}])").hasValue());
  // Escapes are decoded before names are compared: "\u0061" is "a".
  EXPECT_FALSE(parseJson(R"({"a": 1, "\u0061": 2})").hasValue());
  // The same name in sibling objects is fine.
  EXPECT_TRUE(parseJson(R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})").hasValue());
}

TEST(JsonParsing, RefusesUnpairedSurrogateEscapesOfEitherKind) {
  JsonError where;
  auto low = parseJson(R"({"patient": {"given": ["A", "\udc00"]}})", {}, &where);
  ASSERT_FALSE(low.hasValue());
  EXPECT_NE(low.error().message().find("surrogate"), std::string::npos) << low.error().message();
  EXPECT_EQ(where.path, "patient.given[1]");
  EXPECT_FALSE(parseJson(R"({"a": "\ud800"})").hasValue());
  EXPECT_FALSE(parseJson(R"({"a": "\ud800x"})").hasValue());
  EXPECT_FALSE(parseJson(R"({"a": "x\udfff"})").hasValue());
  EXPECT_FALSE(parseJson(R"({"\udc00": 1})").hasValue());
  // A proper pair is one character (U+1F600) and is kept.
  auto pair = parseJson(R"({"a": "\ud83d\ude00"})");
  ASSERT_TRUE(pair.hasValue());
  EXPECT_STREQ((*pair)["a"].GetString(), "\xF0\x9F\x98\x80");
}

TEST(JsonParsing, ErrorPathsNameArrayElementsAndMembers) {
  JsonLimits limits;
  limits.maxStringBytes = 9;  // "documents" fits, "2026-01-01" does not
  JsonError where;
  ASSERT_FALSE(parseJson(R"({"documents": [{}, {"end": "2026-01-01"}]})", limits, &where));
  EXPECT_EQ(where.path, "documents[1].end");
  ASSERT_FALSE(parseJson(R"(["ok", "much too long"])", limits, &where));
  EXPECT_EQ(where.path, "[1]");
}

TEST(JsonParsing, DuplicateNamesCanBeKeptForACallerThatReportsThemItself) {
  JsonLimits limits;
  limits.allowDuplicateNames = true;
  auto doc = parseJson(R"({"gender": "male", "gender": "female"})", limits);
  ASSERT_TRUE(doc.hasValue());
  EXPECT_EQ(doc->root().MemberCount(), 2u);
}

TEST(JsonParsing, ARefusedKeyIsNotEchoedInTheErrorPath) {
  JsonError where;
  ASSERT_FALSE(parseJson(R"({"patient": {"fam\udc00ily": "X"}})", {}, &where));
  EXPECT_EQ(where.path, "patient");
  JsonLimits limits;
  limits.maxStringBytes = 8;
  ASSERT_FALSE(parseJson(R"({"patient": {"a-very-long-key": 1}})", limits, &where));
  EXPECT_EQ(where.path, "patient");
}

TEST(JsonRewrite, OffersOnlyMemberStringsAndKeepsEverythingElseAsWritten) {
  const std::string text =
      R"({"reference":"Patient/1","n":25.00,"url":["Patient/1"],"o":{"reference":"X"},)"
      R"("s":"Patient/1","reference2":"Patient/1"})";
  std::vector<std::string> offered;
  auto out = rewriteJsonStrings(text, [&](std::string_view member, std::string_view value) {
    offered.push_back(std::string(member) + "=" + std::string(value));
    std::optional<std::string> replacement;
    if (member == "reference" && value == "Patient/1") replacement = "urn:uuid:1";
    return replacement;
  });
  ASSERT_TRUE(out.hasValue()) << out.error().toString();
  EXPECT_EQ(*out,
            R"({"reference":"urn:uuid:1","n":25.00,"url":["Patient/1"],"o":{"reference":"X"},)"
            R"("s":"Patient/1","reference2":"Patient/1"})");
  EXPECT_EQ(offered, (std::vector<std::string>{"reference=Patient/1", "reference=X", "s=Patient/1",
                                               "reference2=Patient/1"}));
}

TEST(JsonRewrite, RefusesWhatParseJsonRefuses) {
  const auto keep = [](std::string_view, std::string_view) { return std::optional<std::string>(); };
  for (const char* text : {R"({"a":1,"a":2})", R"({"a": })", R"({"k":"\udc00"})"}) {
    auto out = rewriteJsonStrings(text, keep);
    auto doc = parseJson(text);
    ASSERT_FALSE(out.hasValue()) << text;
    EXPECT_EQ(out.error(), doc.error()) << text;
  }
}
