#include "fhirgw/common/json_tree.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

using namespace fhirgw::common;

// Moved from tests/connectors (the connectors' tree is now this one); assertions unchanged.
TEST(JsonTree, RoundTripsNumbersAsWrittenAndKeepsMemberOrder) {
  const std::string text =
      R"({"b":25.00,"a":[1e3,-0.0,true,null,"x\"y"],"c":{"d":12345678901234567890}})";
  auto tree = Json::parse(text);
  ASSERT_TRUE(tree.hasValue());
  EXPECT_EQ(tree->serialize(), text);
}

TEST(JsonTree, SetReplacesInPlaceAndEraseRemoves) {
  auto tree = Json::parse(R"({"a":1,"b":2})");
  tree->set("a", Json::string("x"));
  tree->set("c", Json::boolean(false));
  EXPECT_TRUE(tree->erase("b"));
  EXPECT_FALSE(tree->erase("zz"));
  EXPECT_EQ(tree->serialize(), R"({"a":"x","c":false})");
}

TEST(JsonTree, SetIfPresentLeavesNoElementForAnAbsentValue) {
  const std::optional<std::string> none;
  const Json built = Json::object()
                         .setIfPresent("a", "")
                         .setIfPresent("b", Json::array())
                         .setIfPresent("c", Json::object())
                         .setIfPresent("d", none)
                         .setIfPresent("e", Json())
                         .setIfPresent("f", "x")
                         .setIfPresent("g", Json::array().pushIfPresent("").pushIfPresent(false))
                         .setIfPresent("h", Json::number("0"));
  EXPECT_EQ(built.serialize(), R"({"f":"x","g":[false],"h":0})");
}

TEST(JsonTree, CanonicalSortsMembersAndKeepsNumberText) {
  auto tree = Json::parse(R"({"b":{"z":1.50,"y":[{"d":0,"c":null}]},"a":"x"})");
  ASSERT_TRUE(tree.hasValue());
  EXPECT_EQ(tree->canonical(), R"({"a":"x","b":{"y":[{"c":null,"d":0}],"z":1.50}})");
  auto doc = parseJson(R"({"b":{"z":1.50,"y":[{"d":0,"c":null}]},"a":"x"})");
  ASSERT_TRUE(doc.hasValue());
  EXPECT_EQ(tree->canonical(), canonicalJson(*doc));
}

TEST(JsonTree, ParsingRefusesWhatParseJsonRefusesWithTheSameMessageAndPath) {
  JsonLimits limits;
  limits.maxDepth = 3;
  for (const char* text :
       {R"({"a":1,"a":2})", R"({"a":[[[1]]]})", R"({"a": })", "[1] x", R"({"k":"\udc00"})"}) {
    JsonError treeWhere;
    JsonError docWhere;
    auto tree = Json::parse(text, limits, &treeWhere);
    auto doc = parseJson(text, limits, &docWhere);
    ASSERT_FALSE(tree.hasValue()) << text;
    ASSERT_FALSE(doc.hasValue()) << text;
    EXPECT_EQ(tree.error(), doc.error()) << text;
    EXPECT_EQ(treeWhere.offset, docWhere.offset) << text;
    EXPECT_EQ(treeWhere.path, docWhere.path) << text;
  }
}

TEST(JsonTree, KeepsDuplicateNamesWhenAllowed) {
  JsonLimits limits;
  limits.allowDuplicateNames = true;
  auto tree = Json::parse(R"({"a":1,"a":"2"})", limits);
  ASSERT_TRUE(tree.hasValue());
  ASSERT_EQ(tree->members().size(), 2u);
  EXPECT_TRUE(tree->members()[0].value.isNumber());
  EXPECT_TRUE(tree->members()[1].value.isString());
  EXPECT_EQ(tree->find("a")->text(), "1");
}

TEST(JsonTree, CopiesOfDocumentsAndBuiltValuesKeepKinds) {
  auto doc = parseJson(R"({"n":12,"s":"12","t":true,"z":null})");
  ASSERT_TRUE(doc.hasValue());
  const Json copy = Json::fromDocument(*doc, doc->root());
  EXPECT_TRUE(copy.find("n")->isNumber());
  EXPECT_TRUE(copy.find("s")->isString());
  EXPECT_EQ(copy.serialize(), R"({"n":12,"s":"12","t":true,"z":null})");

  rapidjson::Document built(rapidjson::kObjectType);
  built.AddMember("count", 3, built.GetAllocator());
  built.AddMember("name", "x", built.GetAllocator());
  EXPECT_EQ(Json::fromValue(built).serialize(), R"({"count":3,"name":"x"})");
}

TEST(JsonTree, RawValuesAreWrittenVerbatim) {
  const Json outer = Json::object().set("a", Json::raw(R"({"z":1.0,"y":2})")).set("b", 1 == 1);
  EXPECT_EQ(outer.serialize(), R"({"a":{"z":1.0,"y":2},"b":true})");
  EXPECT_EQ(outer.find("a")->find("z"), nullptr);
}

TEST(JsonTree, ForEachObjectVisitsParentsBeforeChildren) {
  auto tree = Json::parse(R"({"id":"1","a":[{"id":"2","b":{"id":"3"}}],"c":{"id":"4"}})");
  ASSERT_TRUE(tree.hasValue());
  std::string seen;
  forEachObject(*tree, [&](Json& o) {
    seen += o.stringAt("id");
    o.set("seen", true);
  });
  EXPECT_EQ(seen, "1234");
  EXPECT_EQ(tree->find("c")->find("seen")->boolValue(), true);
}
