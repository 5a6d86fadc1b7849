#include "fhirgw/fhir/bundle.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

using common::Json;

TEST(BundleWriter, MembersComeInR4OrderWhateverTheOrderTheyWereGiven) {
  BundleWriter bundle("collection");
  bundle.timestamp("2026-01-02T03:04:05Z").profile("https://p.example/B").id("b1");
  bundle.add("urn:uuid:1", Json::object().set("resourceType", "Patient"));
  EXPECT_EQ(bundle.size(), 1U);
  EXPECT_EQ(bundle.take().serialize(),
            R"({"resourceType":"Bundle","id":"b1","meta":{"profile":["https://p.example/B"]},)"
            R"("type":"collection","timestamp":"2026-01-02T03:04:05Z","entry":[{"fullUrl":)"
            R"("urn:uuid:1","resource":{"resourceType":"Patient"}}]})");
}

TEST(BundleWriter, AbsentMembersAndNoEntriesLeaveNothing) {
  EXPECT_EQ(BundleWriter("collection").take().serialize(),
            R"({"resourceType":"Bundle","type":"collection"})");
}

TEST(BundleWriter, TransactionEntriesCarryTheirRequest) {
  BundleWriter bundle("transaction");
  bundle.add("urn:uuid:1", Json::object(), {.method = "PUT", .url = "Patient/1"});
  bundle.add("urn:uuid:2", Json::object(),
             {.method = "POST", .url = "Patient", .ifNoneExist = "identifier=s%7Cv"});
  EXPECT_EQ(
      bundle.take().serialize(),
      R"({"resourceType":"Bundle","type":"transaction","entry":[)"
      R"({"fullUrl":"urn:uuid:1","resource":{},"request":{"method":"PUT","url":"Patient/1"}},)"
      R"({"fullUrl":"urn:uuid:2","resource":{},"request":{"method":"POST","url":"Patient",)"
      R"("ifNoneExist":"identifier=s%7Cv"}}]})");
}

}  // namespace
}  // namespace fhirgw::fhir
