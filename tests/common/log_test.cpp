#include "fhirgw/common/log.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "fhirgw/common/json.hpp"

using namespace fhirgw::common;

namespace {
struct SinkGuard {
  std::ostringstream out;
  SinkGuard() { Log::setSink(&out); }
  ~SinkGuard() {
    Log::setSink(nullptr);
    Log::setLevel(LogLevel::kInfo);
  }
};
}  // namespace

TEST(Log, WritesOneJsonObjectPerLineWithItsFields) {
  SinkGuard g;
  Log::info("request", {{"requestId", "r-1"}, {"status", 201}, {"replayed", false}});
  const std::string line = g.out.str();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto doc = parseJson(line.substr(0, line.size() - 1));
  ASSERT_TRUE(doc.hasValue()) << line;
  EXPECT_STREQ((*doc)["event"].GetString(), "request");
  EXPECT_STREQ((*doc)["level"].GetString(), "info");
  EXPECT_STREQ((*doc)["requestId"].GetString(), "r-1");
  EXPECT_STREQ((*doc)["status"].GetString(), "201");  // numbers parsed as text
  EXPECT_TRUE((*doc)["replayed"].IsFalse());
  EXPECT_TRUE(doc->root().HasMember("ts"));
}

TEST(Log, EscapesQuotesAndControlCharacters) {
  SinkGuard g;
  Log::warning("odd", {{"route", "a\"b\nc"}});
  const std::string line = g.out.str();
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto doc = parseJson(line.substr(0, line.size() - 1));
  ASSERT_TRUE(doc.hasValue());
  EXPECT_STREQ((*doc)["route"].GetString(), "a\"b\nc");
}

TEST(Log, DropsLinesBelowTheLevel) {
  SinkGuard g;
  Log::setLevel(LogLevel::kWarning);
  Log::info("hidden");
  Log::error("shown");
  EXPECT_EQ(g.out.str().find("hidden"), std::string::npos);
  EXPECT_NE(g.out.str().find("shown"), std::string::npos);
}

TEST(Log, ParsesLevelNames) {
  const auto debug = parseLogLevel("debug");
  ASSERT_TRUE(debug.hasValue());
  EXPECT_EQ(*debug, LogLevel::kDebug);
  const auto verbose = parseLogLevel("verbose");
  ASSERT_FALSE(verbose.hasValue());
  EXPECT_EQ(verbose.error().code(), StatusCode::kInvalidArgument);
}
