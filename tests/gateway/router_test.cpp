#include "fhirgw/gateway/router.hpp"

#include <gtest/gtest.h>

#include "fhirgw/gateway/http_status.hpp"

namespace fhirgw::gateway {
namespace {

Router sampleRouter() {
  Router r;
  r.add("POST", "/api/v1/teleconsultations", RoutePolicy::editor(), [](Exchange&) {});
  r.add("GET", "/api/v1/teleconsultations/{id}", RoutePolicy::open(), [](Exchange&) {});
  r.add("GET", "/api/v1/teleconsultations/{id}/fhir", RoutePolicy::open(), [](Exchange&) {});
  r.add("POST", "/api/v1/teleconsultations/{id}/documents", RoutePolicy::open(), [](Exchange&) {});
  r.add("POST", "/api/v1/$validate", RoutePolicy::open(), [](Exchange&) {});
  return r;
}

TEST(Router, MatchesLiteralRoutes) {
  auto m = sampleRouter().match("POST", "/api/v1/teleconsultations");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/api/v1/teleconsultations");
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, CapturesDecodedPathParameters) {
  auto m = sampleRouter().match("GET", "/api/v1/teleconsultations/ext%3ALGC-2026%2F1/fhir");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/api/v1/teleconsultations/{id}/fhir");
  EXPECT_EQ(m.params.at("id"), "ext:LGC-2026/1");
}

TEST(Router, DollarOperationsAreLiteralSegments) {
  EXPECT_NE(sampleRouter().match("POST", "/api/v1/$validate").handler, nullptr);
  EXPECT_NE(sampleRouter().match("POST", "/api/v1/%24validate").handler, nullptr);
}

TEST(Router, UnknownPathFallsBackTo404) {
  auto m = sampleRouter().match("GET", "/api/v2/teleconsultations");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.fallbackStatus, 404);
}

TEST(Router, EmptyCaptureDoesNotMatch) {
  auto m = sampleRouter().match("GET", "/api/v1/teleconsultations//fhir");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.fallbackStatus, 404);
}

TEST(Router, KnownPathWithOtherMethodFallsBackTo405ListingAllowedMethods) {
  Router r = sampleRouter();
  r.add("DELETE", "/api/v1/teleconsultations/{id}", RoutePolicy::open(), [](Exchange&) {});
  auto m = r.match("PUT", "/api/v1/teleconsultations/abc");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.fallbackStatus, 405);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

TEST(Router, AMatchCarriesTheRoutesDeclaredPolicy) {
  Router r = sampleRouter();
  r.add("GET", "/admin/v1/clients", RoutePolicy::admin(), [](Exchange&) {});
  auto editor = r.match("POST", "/api/v1/teleconsultations");
  ASSERT_NE(editor.policy, nullptr);
  EXPECT_EQ(editor.policy->access, RoutePolicy::Access::kEditor);
  EXPECT_TRUE(editor.policy->rateLimited);
  auto admin = r.match("GET", "/admin/v1/clients");
  ASSERT_NE(admin.policy, nullptr);
  EXPECT_EQ(admin.policy->access, RoutePolicy::Access::kAdmin);
  EXPECT_FALSE(admin.policy->rateLimited);
  auto open = r.match("GET", "/api/v1/teleconsultations/abc");
  ASSERT_NE(open.policy, nullptr);
  EXPECT_EQ(open.policy->access, RoutePolicy::Access::kPublic);
  EXPECT_EQ(r.match("GET", "/nowhere").policy, nullptr);
}

TEST(Router, TrailingSlashIsADifferentPath) {
  EXPECT_EQ(sampleRouter().match("POST", "/api/v1/teleconsultations/").handler, nullptr);
}

TEST(Router, BadPercentEncodingMatchesNothing) {
  auto m = sampleRouter().match("GET", "/api/v1/teleconsultations/%zz");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.fallbackStatus, 404);
}

TEST(StatusTable, MapsEveryCodeToItsHttpStatus) {
  using common::StatusCode;
  EXPECT_EQ(httpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(httpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(httpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(httpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(httpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(httpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(httpStatusFor(StatusCode::kFailedPrecondition), 422);
  EXPECT_EQ(httpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(httpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(httpStatusFor(StatusCode::kInternal), 500);
}

TEST(StatusTable, GivesFhirIssueTypes) {
  using common::StatusCode;
  EXPECT_EQ(issueTypeFor(StatusCode::kNotFound), "not-found");
  EXPECT_EQ(issueTypeFor(StatusCode::kAborted), "conflict");
  EXPECT_EQ(issueTypeFor(StatusCode::kUnavailable), "transient");
  EXPECT_EQ(issueTypeFor(StatusCode::kInternal), "exception");
}

}  // namespace
}  // namespace fhirgw::gateway
