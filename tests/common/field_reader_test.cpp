#include "fhirgw/common/field_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "fhirgw/common/files.hpp"
#include "fhirgw/testsupport/files.hpp"

using fhirgw::common::FieldErrors;
using fhirgw::common::FieldPolicy;
using fhirgw::common::FieldReader;
using fhirgw::common::FieldValue;
using fhirgw::common::Json;
using fhirgw::common::MemberNames;
using fhirgw::common::Need;
using fhirgw::common::Shown;
using testing::ElementsAre;

namespace {

enum class Shade { kRed, kGreen };
constexpr fhirgw::common::CodeTable<Shade, 2> kShades{{{
    {Shade::kRed, "red"},
    {Shade::kGreen, "green"},
}}};

Json parse(std::string_view text) {
  fhirgw::common::JsonLimits limits;
  limits.allowDuplicateNames = true;
  auto parsed = Json::parse(text, limits);
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : Json();
}

}  // namespace

TEST(StrictInteger, AcceptsOnlyWhatJsonWritesAsAnInteger) {
  EXPECT_EQ(fhirgw::common::parseStrictInteger("0"), 0);
  EXPECT_EQ(fhirgw::common::parseStrictInteger("-12"), -12);
  EXPECT_EQ(fhirgw::common::parseStrictInteger("9223372036854775807"), INT64_MAX);
  for (const char* bad :
       {"", "-", "08", "+1", " 1", "1 ", "1e3", "1.0", "0x1", "-0a", "9223372036854775808"}) {
    EXPECT_EQ(fhirgw::common::parseStrictInteger(bad), std::nullopt) << bad;
  }
}

TEST(JoinMessages, SeparatesWithASemicolonOnOneLine) {
  EXPECT_EQ(fhirgw::common::joinMessages({}), "");
  EXPECT_EQ(fhirgw::common::joinMessages({"a: x", "b: y"}), "a: x; b: y");
  EXPECT_TRUE(fhirgw::common::invalidArgumentOf({}).isOk());
  const auto s = fhirgw::common::invalidArgumentOf({"a: x", "b: y"});
  EXPECT_EQ(s.code(), fhirgw::common::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "a: x; b: y");
}

TEST(ReadableFile, IsARegularFileThatCanBeRead) {
  const fhirgw::testsupport::TempDir tmp;
  const auto& dir = tmp.path();
  const auto file = tmp.write("f.pem", "x");
  EXPECT_TRUE(fhirgw::common::isReadableFile(file.string()));
  EXPECT_FALSE(fhirgw::common::isReadableFile(dir.string())) << "a folder is not a file";
  EXPECT_FALSE(fhirgw::common::isReadableFile((dir / "missing").string()));
  EXPECT_FALSE(fhirgw::common::isReadableFile(""));
}

TEST(FieldReader, ReadsTypedMembersAndNamesEachProblemByItsKeyPath) {
  const Json json = parse(R"({"name": "a", "on": true, "port": 80, "ratio": 1.50,
      "colour": "green", "tags": ["x", "y"]})");
  FieldErrors errors;
  FieldReader r(&json, "c[0]", errors);
  EXPECT_EQ(r.string("name"), "a");
  EXPECT_EQ(r.boolean("on"), true);
  EXPECT_EQ(r.integer("port", 1, 65535), 80);
  EXPECT_EQ(r.numberText("ratio"), "1.50") << "a number keeps its text";
  EXPECT_EQ(r.code("colour", kShades), Shade::kGreen);
  EXPECT_THAT(*r.strings("tags"), ElementsAre("x", "y"));
  EXPECT_EQ(r.string("absent"), std::nullopt);
  r.finish();
  EXPECT_TRUE(errors.empty()) << errors.status().message();
}

TEST(FieldReader, ReportsWrongKindsRangesCodesNullsAndMissingKeys) {
  const Json json = parse(R"({"name": 5, "on": "true", "port": 70000, "count": "3",
      "colour": "blue", "tags": ["x", 1], "gone": null})");
  FieldErrors errors;
  FieldReader r(&json, "c", errors);
  EXPECT_EQ(r.string("name"), std::nullopt);
  EXPECT_EQ(r.boolean("on"), std::nullopt) << "a string is not a boolean";
  EXPECT_EQ(r.integer("port", 1, 65535), std::nullopt);
  EXPECT_EQ(r.integer("count", 1, 9), std::nullopt) << "a string is not a number";
  EXPECT_EQ(r.code("colour", kShades), std::nullopt);
  EXPECT_EQ(r.strings("tags"), std::nullopt);
  EXPECT_EQ(r.string("gone"), std::nullopt);
  EXPECT_EQ(r.string("id", Need::kRequired), std::nullopt);
  r.finish();
  EXPECT_THAT(errors.messages(),
              ElementsAre("c.name: must be a string", "c.on: must be a boolean",
                          "c.port: must be an integer between 1 and 65535",
                          "c.count: must be an integer between 1 and 9",
                          "c.colour: must be one of red, green", "c.tags[1]: must be a string",
                          "c.gone: must not be null", "c.id: is required"));
}

TEST(FieldReader, ReportsUnknownAndDuplicateKeysOnce) {
  const Json json = parse(R"({"a": "1", "a": "2", "colour": "red", "b": 1})");
  FieldErrors errors;
  FieldReader r(&json, "", errors);
  EXPECT_EQ(r.string("a"), "1") << "the first of two members is read";
  r.finish();
  EXPECT_THAT(errors.messages(),
              ElementsAre("a: duplicate key", "colour: unknown key", "b: unknown key"));
}

TEST(FieldReader, NestedReadersCarryTheFullPath) {
  const Json json = parse(R"({"connectors": [{"options": {"timeoutMs": "x", "extra": 1}},
      {"options": 3}]})");
  FieldErrors errors;
  FieldReader root(&json, "", errors);
  const Json* list = root.take("connectors");
  ASSERT_NE(list, nullptr);
  for (std::size_t i = 0; i < list->items().size(); ++i) {
    FieldReader connector(&list->items()[i], fhirgw::common::indexKeyPath("connectors", i), errors);
    FieldReader options = connector.object("options");
    EXPECT_EQ(options.present(), i == 0);
    options.integer("timeoutMs", 1, 10);
    options.finish();
    connector.finish();
  }
  EXPECT_THAT(errors.messages(),
              ElementsAre("connectors[0].options.timeoutMs: must be an integer between 1 and 10",
                          "connectors[0].options.extra: unknown key",
                          "connectors[1].options: must be an object"));
  FieldReader absent = root.object("missing", Need::kRequired);
  EXPECT_FALSE(absent.present());
  EXPECT_EQ(errors.messages().back(), "missing: is required");
}

namespace {

// A policy that layers overrides (as the configuration does) and says what it got.
class Layered : public FieldErrors {
 public:
  std::vector<std::pair<std::string, std::string>> sets;  // path -> text
  std::vector<std::string> accepted_;

  void wrongValue(const std::string& path, std::string_view expected, const FieldValue& got,
                  Shown shown) override {
    std::string value = shown == Shown::kSecret ? "hidden"
                        : got.json != nullptr   ? got.json->serialize()
                                                : "'" + std::string(got.text) + "'";
    add(path + ": must be " + std::string(expected) + ", got " + value +
        (got.origin.empty() ? "" : " " + std::string(got.origin)));
  }
  std::vector<FieldValue> overrides(const std::string& path) override {
    std::vector<FieldValue> out;
    for (const auto& [p, text] : sets) {
      if (p == path) out.push_back(FieldValue{nullptr, text, "from --set"});
    }
    return out;
  }
  void accepted(const std::string& path, const FieldValue& from, Shown) override {
    accepted_.push_back(path + (from.origin.empty() ? " from json" : " from override"));
  }
};

}  // namespace

TEST(FieldReader, OverridesGoThroughTheSameChecksAndTheLastGoodOneWins) {
  const Json json = parse(R"({"port": 80, "list": ["a"]})");
  Layered policy;
  policy.sets = {{"s.port", "x"},
                 {"s.port", "90"},
                 {"s.list", "[\"b\", 2]"},
                 {"s.on", "true"},
                 {"s.list", "nope"}};
  FieldReader r(&json, "s", policy);
  EXPECT_EQ(r.integer("port", 1, 100), 90);
  EXPECT_THAT(*r.strings("list"), ElementsAre("a")) << "a bad override keeps the good value";
  EXPECT_EQ(r.boolean("on"), true) << "an override alone gives a value";
  r.finish();
  EXPECT_THAT(policy.messages(),
              ElementsAre("s.port: must be an integer between 1 and 100, got 'x' from --set",
                          "s.list[1]: must be a string, got 2 from --set",
                          "s.list: must be an array of strings written as JSON, got 'nope' "
                          "from --set"));
  EXPECT_THAT(policy.accepted_, ElementsAre("s.port from json", "s.port from override",
                                            "s.list from json", "s.on from override"));
}

TEST(FieldReader, AnObjectReadWithoutJsonIsTouchedOnlyByAnOverride) {
  Layered policy;
  FieldReader root(nullptr, "", policy);
  EXPECT_FALSE(root.object("tls", [](FieldReader& t) { t.string("caFile"); }));
  policy.sets = {{"tls.caFile", "ca.pem"}};
  std::optional<std::string> ca;
  EXPECT_TRUE(root.object("tls", [&ca](FieldReader& t) { ca = t.string("caFile"); }));
  EXPECT_EQ(ca, "ca.pem");
}

TEST(FieldReader, SecretValuesAreNotShown) {
  const Json json = parse(R"({"token": 12})");
  Layered policy;
  FieldReader r(&json, "", policy);
  EXPECT_EQ(r.string("token", Need::kOptional, "a string", Shown::kSecret), std::nullopt);
  EXPECT_THAT(policy.messages(), ElementsAre("token: must be a string, got hidden"));
}

TEST(FieldReader, MembersNamedByDataComeFromTheListAndTheJson) {
  const Json json = parse(R"({"default": 1, "TCG": "25", "NEW": "3", "a.b": "1", "": "2"})");
  FieldErrors errors;
  FieldReader r(&json, "tariffs", errors);
  r.integer("default", 0, 9);
  std::vector<std::string> seen;
  r.members("ACT", {"TCG", "TC"}, MemberNames::kListedAndJson,
            [&seen](FieldReader& m, const std::string& name) {
              if (auto v = m.string(name)) seen.push_back(name + "=" + *v);
            });
  r.finish();
  EXPECT_THAT(seen, ElementsAre("TCG=25", "NEW=3"));
  EXPECT_THAT(errors.messages(),
              ElementsAre("tariffs: the member name \"a.b\" must be non-empty and without '.'",
                          "tariffs: the member name \"\" must be non-empty and without '.'"));

  FieldErrors closed;
  FieldReader c(&json, "severity", closed);
  c.members("RULE-ID", {"TCG"}, MemberNames::kListed,
            [](FieldReader& m, const std::string& n) { m.string(n); });
  c.finish();
  EXPECT_EQ(closed.messages().size(), 4U) << "default, NEW, a.b and \"\" are unknown";
}

namespace {

class NullIsAbsent : public FieldErrors {
 public:
  bool nullIsAbsent() const override { return true; }
};

}  // namespace

TEST(FieldReader, APolicyCanReadNullAsAbsent) {
  const Json json = parse(R"({"a": null, "o": null})");
  NullIsAbsent policy;
  FieldReader r(&json, "", policy);
  EXPECT_EQ(r.string("a", Need::kRequired), std::nullopt);
  EXPECT_FALSE(r.object("o").present());
  r.finish();
  EXPECT_THAT(policy.messages(), ElementsAre("a: is required"));
}

TEST(FieldReader, ANullableKeyReadsNullAsAbsentUnderAnyPolicy) {
  const Json json = parse(R"({"cap": null, "year": null})");
  FieldErrors errors;
  FieldReader r(&json, "", errors);
  EXPECT_EQ(r.integer("cap", 0, 100, Need::kNullable), std::nullopt);
  EXPECT_EQ(r.integer("year", 2000, 2200, Need::kRequired), std::nullopt);
  r.finish();
  EXPECT_THAT(errors.messages(), ElementsAre("year: must not be null"));
}

TEST(FieldReader, ValueGivesAMemberOfTheWantedKindOrReportsItsKind) {
  const Json json = parse(R"({"items": [1, 2], "docs": {"a": 1}, "gone": null})");
  FieldErrors errors;
  FieldReader r(&json, "body", errors);
  const Json* items = r.value("items", fhirgw::common::JsonKind::kArray);
  ASSERT_NE(items, nullptr);
  EXPECT_EQ(items->items().size(), 2U);
  EXPECT_EQ(r.value("docs", fhirgw::common::JsonKind::kArray), nullptr);
  EXPECT_EQ(r.value("gone", fhirgw::common::JsonKind::kArray), nullptr);
  EXPECT_EQ(r.value("none", fhirgw::common::JsonKind::kArray, Need::kRequired), nullptr);
  r.finish();
  EXPECT_THAT(errors.messages(),
              ElementsAre("body.docs: must be an array", "body.gone: must not be null",
                          "body.none: is required"));
}

namespace {

/// Records the unknown keys with the name the policy is given.
class UnknownNames : public FieldErrors {
 public:
  void unknownKey(const std::string& path, std::string_view key) override {
    add(path + " (" + std::string(key) + ")");
  }
};

}  // namespace

TEST(FieldReader, ReportsUnknownKeysBeforeReadingInDocumentOrder) {
  const Json json = parse(R"({"z": 1, "a": "x", "b.c": 2, "z": 3, "m": 4})");
  UnknownNames policy;
  FieldReader r(&json, "o", policy);
  r.reportUnknownKeys({"a", "m"});
  EXPECT_EQ(r.string("a", Need::kOptional), "x");
  r.finish();
  EXPECT_THAT(policy.messages(),
              ElementsAre("o.z: duplicate key", "o.z (z)", "o.b.c (b.c)", "o.z (z)", "o.m (m)"))
      << "a name given twice is reported twice; finish reports only what is still unread";
}

TEST(JsonKindNames, NameEachKindOnceForMessages) {
  using fhirgw::common::JsonKind;
  EXPECT_EQ(fhirgw::common::jsonKindName(JsonKind::kString), "a string");
  EXPECT_EQ(fhirgw::common::jsonKindName(JsonKind::kObject), "an object");
  EXPECT_EQ(fhirgw::common::jsonKindName(JsonKind::kNull), "null");
  EXPECT_EQ(fhirgw::common::kJsonKindNames.parse("an array"), JsonKind::kArray);
}
