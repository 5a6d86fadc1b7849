#include "fhirgw/common/json_tree.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

// serialize() writes strings itself: byte for byte what RapidJSON's Writer wrote before, for every
// byte value, at every position of an eight-byte word and in keys as in values.
TEST(JsonTree, SerializeWritesStringsAsRapidJsonsWriter) {
  const auto byWriter = [](const std::string& key, const std::string& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.StartArray();
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    w.Null();
    w.Bool(false);
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  };
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t at = 0; at < 19; ++at) {
      std::string text = "padding with 19 b.";
      text.insert(at, 1, static_cast<char>(byte));
      const std::string key = text.substr(at / 2);
      const Json tree = Json::object().set(key, Json::array().push(text).push(Json()).push(false));
      ASSERT_EQ(tree.serialize(), byWriter(key, text)) << "byte " << byte << " at " << at;
    }
  }
  // Each escape grows the text six times over, past the first buffer.
  const std::string controls(400, '\x01');
  std::string escaped;
  for (int i = 0; i < 400; ++i) escaped += "\\u0001";
  EXPECT_EQ(Json::array().push(controls).serialize(), "[\"" + escaped + "\"]");
  EXPECT_EQ(Json::object().set("", "").serialize(), R"({"":""})");
}

namespace {

// Same shape, same text and the same number-or-string answer for every leaf, walked side by side.
void expectSameDocument(const JsonDocument& a, const rapidjson::Value& va, const JsonDocument& b,
                        const rapidjson::Value& vb, const std::string& path) {
  ASSERT_EQ(va.GetType(), vb.GetType()) << path;
  if (va.IsObject()) {
    ASSERT_EQ(va.MemberCount(), vb.MemberCount()) << path;
    auto mb = vb.MemberBegin();
    for (auto ma = va.MemberBegin(); ma != va.MemberEnd(); ++ma, ++mb) {
      ASSERT_STREQ(ma->name.GetString(), mb->name.GetString()) << path;
      expectSameDocument(a, ma->value, b, mb->value, path + "." + ma->name.GetString());
    }
  } else if (va.IsArray()) {
    ASSERT_EQ(va.Size(), vb.Size()) << path;
    for (rapidjson::SizeType i = 0; i < va.Size(); ++i) {
      expectSameDocument(a, va[i], b, vb[i], path + "[" + std::to_string(i) + "]");
    }
  } else if (va.IsString()) {
    EXPECT_EQ(std::string(va.GetString(), va.GetStringLength()),
              std::string(vb.GetString(), vb.GetStringLength()))
        << path;
    EXPECT_EQ(a.isNumber(va), b.isNumber(vb)) << path;
  } else if (va.IsBool()) {
    EXPECT_EQ(va.GetBool(), vb.GetBool()) << path;
  }
}

}  // namespace

TEST(JsonTree, ToDocumentReadsAsTheParseOfTheSerialisedTree) {
  Json big = Json::object();
  for (int i = 0; i < 40; ++i) {  // past RapidJSON's first capacities: values must not move
    big.set("n" + std::to_string(i), Json::integer(i));
    big.set("s" + std::to_string(i), std::to_string(i));
  }
  Json list = Json::array();
  for (int i = 0; i < 40; ++i) list.push(Json::number(std::to_string(i) + ".50"));
  const Json tree = Json::object()
                        .set("resourceType", "Observation")
                        .set("valueDecimal", Json::number("25.00"))
                        .set("digits", "0042")
                        .set("escaped", "a \"quoted\" line\nand \u00e9t\u00e9 \xe2\x82\xac")
                        .set("flag", false)
                        .set("nothing", Json())
                        .set("big", std::move(big))
                        .set("list", std::move(list))
                        .set("raw", Json::raw(R"({"z":1.0,"y":"2","w":[3,{"v":4e2}]})"))
                        .set("nested", Json::array().push(Json::array().push(Json::integer(-7))));
  auto direct = tree.toDocument();
  ASSERT_TRUE(direct.hasValue()) << direct.error().toString();
  auto reparsed = parseJson(tree.serialize());
  ASSERT_TRUE(reparsed.hasValue());
  expectSameDocument(*direct, direct->root(), *reparsed, reparsed->root(), "$");
  EXPECT_TRUE(direct->isNumber(direct->root()["big"]["n39"]));
  EXPECT_TRUE(direct->isNumber(direct->root()["raw"]["w"][1]["v"]));
  EXPECT_FALSE(direct->isNumber(direct->root()["raw"]["y"]));
}

TEST(JsonTree, ToDocumentRefusesAnInvalidRawValue) {
  const Json tree = Json::object().set("raw", Json::raw("{\"a\":"));
  auto doc = tree.toDocument();
  ASSERT_FALSE(doc.hasValue());
  EXPECT_EQ(doc.error().code(), StatusCode::kInvalidArgument);
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
