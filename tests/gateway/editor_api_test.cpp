// The editor and admin APIs through the real HTTP server and a real SQLite store: every status
// code of editor-api.md's table, idempotent replay and conflict, cross-client isolation, the
// example bodies, and the audit trail.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/destination.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::gateway {
namespace {

using testsupport::HttpResponse;

constexpr const char* kAdminToken = "integration-admin-token-0123456789";

using testsupport::readExample;

/// Rule ids of an OperationOutcome's issues (the body's `outcome` member or the body itself).
std::multiset<std::string> ruleIds(const rapidjson::Value& oo) {
  std::multiset<std::string> ids;
  for (const auto& issue : oo["issue"].GetArray()) {
    if (issue.HasMember("details") && issue["details"].HasMember("coding")) {
      ids.insert(issue["details"]["coding"][0]["code"].GetString());
    }
  }
  return ids;
}

class EditorApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start(std::size_t maxBodyBytes = 10 * 1024 * 1024, LimitsConfig limits = {}) {
    testsupport::InProcessGatewayOptions options;
    options.limits = limits;
    options.limits.maxBodyBytes = maxBodyBytes;
    options.adminToken = kAdminToken;
    options.busyTimeout = std::chrono::milliseconds(200);
    options.storeReadiness = true;
    gateway_ = std::make_unique<testsupport::InProcessGateway>(std::move(options));
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    editorKey_ = createClient("editor A", "editor");
    otherKey_ = createClient("editor B", "editor");
  }

  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}, const std::string& token = kAdminToken) {
    return gateway_->admin(method, path, body, token);
  }

  HttpResponse api(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& key, std::map<std::string, std::string> headers = {},
                   const std::string& contentType = "application/json") {
    return gateway_->api(method, path, body, key, std::move(headers), contentType);
  }

  HttpResponse post(const std::string& body, const std::string& key,
                    std::map<std::string, std::string> headers = {}) {
    return api("POST", "/api/v1/teleconsultations", body, key, std::move(headers));
  }

  std::string createClient(const std::string& name, const std::string& role,
                           const std::string& extra = "") {
    auto r = admin("POST", "/admin/v1/clients",
                   R"({"name":")" + name + R"(","role":")" + role + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    auto doc = common::parseJson(r.body);
    return doc ? std::string((*doc)["key"].GetString()) : std::string();
  }

  static common::JsonDocument json(const HttpResponse& r) {
    auto doc = common::parseJson(r.body);
    EXPECT_TRUE(doc.hasValue()) << r.body;
    return doc ? std::move(doc).value() : common::JsonDocument();
  }

  /// The full example with its external ids renamed, so it is a new record.
  static std::string fullExampleAs(const std::string& externalId) {
    std::string body = readExample("teleconsultation-full.json");
    for (std::size_t at = body.find("LGC-2026-000123"); at != std::string::npos;
         at = body.find("LGC-2026-000123", at + externalId.size())) {
      body.replace(at, 15, externalId);
    }
    return body;
  }

  const mapping::FhirMapper& mapper() const { return gateway_->mapper(); }

  // Starts at gatewayTestNow(), 2026-11-22T12:00:00Z: after the examples' encounters.
  std::unique_ptr<testsupport::InProcessGateway> gateway_;
  std::string editorKey_;
  std::string otherKey_;
};

TEST_F(EditorApiTest, FullExampleIsAcceptedWithOnlyTheExpectedIssues) {
  auto r = post(readExample("teleconsultation-full.json"), editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = json(r);
  EXPECT_STREQ(doc["status"].GetString(), "accepted");
  EXPECT_STREQ(doc["externalId"].GetString(), "LGC-2026-000123");
  EXPECT_EQ(r.header("Location"),
            std::string("/api/v1/teleconsultations/") + doc["id"].GetString());
  // No declared activity: the cap is reported as not evaluated, nothing else.
  EXPECT_EQ(ruleIds(doc["outcome"]), std::multiset<std::string>{"TLC-ACTIVITY-CAP"});
  EXPECT_STREQ(doc["outcome"]["issue"][0]["severity"].GetString(), "information");
  EXPECT_EQ(doc["documents"].Size(), 3u);
}

TEST_F(EditorApiTest, MinimalExampleIsAcceptedWithTheInsWarning) {
  auto r = post(readExample("teleconsultation-minimal.json"), editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = json(r);
  EXPECT_EQ(ruleIds(doc["outcome"]), std::multiset<std::string>{"ID-INS-QUALIFIED"});
  EXPECT_FALSE(doc.root().HasMember("externalId"));
}

TEST_F(EditorApiTest, SickLeaveProlongationIsAddedToTheFullExampleByExternalId) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  auto r = api("POST", "/api/v1/teleconsultations/ext:LGC-2026-000123/documents",
               readExample("document-sick-leave-prolongation.json"), editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = json(r);
  EXPECT_STREQ(doc["kind"].GetString(), "sick-leave");
  EXPECT_EQ(doc["outcome"]["issue"].Size(), 0u);

  auto status = api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(json(status)["documents"].Size(), 4u);
}

TEST_F(EditorApiTest, StatusReadShowsTheRecordAndItsDocuments) {
  auto created = json(post(readExample("teleconsultation-full.json"), editorKey_));
  const std::string id = created["id"].GetString();
  auto r = api("GET", "/api/v1/teleconsultations/" + id, "", editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  EXPECT_EQ(std::string(doc["id"].GetString()), id);
  EXPECT_STREQ(doc["externalId"].GetString(), "LGC-2026-000123");
  EXPECT_EQ(doc["documents"].Size(), 3u);
  EXPECT_TRUE(doc["deliveries"].IsArray());
}

TEST_F(EditorApiTest, SameBodyWithSameExternalIdIsReplayedExactly) {
  auto first = post(readExample("teleconsultation-full.json"), editorKey_);
  ASSERT_EQ(first.status, 201);
  auto again = post(readExample("teleconsultation-full.json"), editorKey_);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  EXPECT_TRUE(first.header("Idempotent-Replayed").empty());
}

TEST_F(EditorApiTest, ReplayIgnoresMemberOrderAndWhitespace) {
  ASSERT_EQ(
      post(readExample("teleconsultation-minimal.json"), editorKey_, {{"Idempotency-Key", "k-1"}})
          .status,
      201);
  auto doc = common::parseJson(readExample("teleconsultation-minimal.json"));
  ASSERT_TRUE(doc.hasValue());
  // Same content, compact and with the members of the root in reverse order.
  std::string reordered = "{";
  std::vector<std::string> members;
  for (auto it = doc->root().MemberBegin(); it != doc->root().MemberEnd(); ++it) {
    members.insert(members.begin(), "\"" + std::string(it->name.GetString()) +
                                        "\":" + common::canonicalJson(*doc, it->value));
  }
  for (std::size_t i = 0; i < members.size(); ++i) reordered += (i ? "," : "") + members[i];
  reordered += "}";
  auto again = post(reordered, editorKey_, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
}

TEST_F(EditorApiTest, SameExternalIdWithAnotherBodyIsAConflict) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  std::string changed = readExample("teleconsultation-full.json");
  changed.replace(changed.find("09:45:00"), 8, "09:46:00");
  auto r = post(changed, editorKey_);
  EXPECT_EQ(r.status, 409) << r.body;
  auto doc = json(r);
  EXPECT_STREQ(doc["issue"][0]["code"].GetString(), "conflict");
  EXPECT_STREQ(doc["issue"][0]["expression"][0].GetString(), "externalId");
}

TEST_F(EditorApiTest, IdempotencyKeyReplaysAndConflicts) {
  const std::string body = readExample("teleconsultation-minimal.json");
  auto first = post(body, editorKey_, {{"Idempotency-Key", "req-7"}});
  ASSERT_EQ(first.status, 201);
  auto replay = post(body, editorKey_, {{"Idempotency-Key", "req-7"}});
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay.body, first.body);
  std::string other = body;
  other.replace(other.find("18:12:00"), 8, "18:13:00");
  EXPECT_EQ(post(other, editorKey_, {{"Idempotency-Key", "req-7"}}).status, 409);
  // Without the key the same body is simply a new record.
  auto fresh = post(body, editorKey_);
  EXPECT_EQ(fresh.status, 201);
  EXPECT_NE(json(fresh)["id"].GetString(), json(first)["id"].GetString());
}

TEST_F(EditorApiTest, ExternalIdDecidesAndAnIdempotencyKeyReusedForAnotherRecordIsAConflict) {
  const std::string first = fullExampleAs("LGC-A");
  auto created = post(first, editorKey_, {{"Idempotency-Key", "both-1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  // Same externalId and body: replayed, with or without the key.
  auto again = post(first, editorKey_, {{"Idempotency-Key", "both-1"}});
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body, created.body);
  EXPECT_EQ(post(first, editorKey_).header("Idempotent-Replayed"), "true");
  // The key names another record now: the two identities disagree.
  auto mismatch = post(fullExampleAs("LGC-B"), editorKey_, {{"Idempotency-Key", "both-1"}});
  EXPECT_EQ(mismatch.status, 409) << mismatch.body;
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-B", "", editorKey_).status, 404);
}

TEST_F(EditorApiTest, IdempotencyKeysAreScopedToTheClient) {
  const std::string body = readExample("teleconsultation-minimal.json");
  ASSERT_EQ(post(body, editorKey_, {{"Idempotency-Key", "shared"}}).status, 201);
  auto other = post(body, otherKey_, {{"Idempotency-Key", "shared"}});
  EXPECT_EQ(other.status, 201);
  EXPECT_TRUE(other.header("Idempotent-Replayed").empty());
}

TEST_F(EditorApiTest, AnotherClientsRecordIsNotFound) {
  auto created = json(post(readExample("teleconsultation-full.json"), editorKey_));
  const std::string id = created["id"].GetString();
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/" + id, "", otherKey_).status, 404);
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", otherKey_).status, 404);
  EXPECT_EQ(api("POST", "/api/v1/teleconsultations/" + id + "/documents",
                readExample("document-sick-leave-prolongation.json"), otherKey_)
                .status,
            404);
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/" + id + "/fhir", "", otherKey_).status, 404);
  // The same externalId is free for the other client.
  EXPECT_EQ(post(readExample("teleconsultation-full.json"), otherKey_).status, 201);
}

TEST_F(EditorApiTest, UnknownRecordIsNotFound) {
  auto r =
      api("GET", "/api/v1/teleconsultations/00000000-0000-4000-8000-000000000000", "", editorKey_);
  EXPECT_EQ(r.status, 404);
  EXPECT_STREQ(json(r)["issue"][0]["code"].GetString(), "not-found");
}

TEST_F(EditorApiTest, MissingOrBadKeyIs401) {
  auto missing = post(readExample("teleconsultation-minimal.json"), "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(post(readExample("teleconsultation-minimal.json"), "kdeadbeefdeadbeef.00").status, 401);
  std::string tampered = editorKey_;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(post(readExample("teleconsultation-minimal.json"), tampered).status, 401);
}

TEST_F(EditorApiTest, AdminKeyOnTheEditorApiIs403AndEditorKeyOnAdminIs403) {
  const std::string adminKey = createClient("ops", "admin");
  EXPECT_EQ(post(readExample("teleconsultation-minimal.json"), adminKey).status, 403);
  EXPECT_EQ(admin("GET", "/admin/v1/clients", "", editorKey_).status, 403);
  EXPECT_EQ(admin("GET", "/admin/v1/clients", "", adminKey).status, 200);
}

TEST_F(EditorApiTest, EveryRouteButTheOpenOnesChecksTheCallersKeyAndRole) {
  // The router checks each route's declared policy before its handler: no route is open by
  // omission. Paths use ids that do not exist, so an unchecked route would answer 404 or 400.
  const std::vector<std::pair<std::string, std::string>> editorRoutes = {
      {"POST", "/api/v1/teleconsultations"},
      {"GET", "/api/v1/teleconsultations/none"},
      {"POST", "/api/v1/teleconsultations/none/documents"},
      {"GET", "/api/v1/teleconsultations/none/fhir"},
      {"POST", "/api/v1/$validate"},
      {"GET", "/api/v1/rules"},
      {"POST", "/fhir/$validate"}};
  const std::string adminKey = createClient("ops", "admin");
  for (const auto& [method, path] : editorRoutes) {
    EXPECT_EQ(api(method, path, "{}", "").status, 401) << method << " " << path;
    EXPECT_EQ(api(method, path, "{}", adminKey).status, 403) << method << " " << path;
  }
  const std::vector<std::pair<std::string, std::string>> adminRoutes = {
      {"POST", "/admin/v1/clients"},
      {"GET", "/admin/v1/clients"},
      {"GET", "/admin/v1/clients/none"},
      {"DELETE", "/admin/v1/clients/none"},
      {"POST", "/admin/v1/clients/none/keys"},
      {"PUT", "/admin/v1/practitioners/10000000000/activity"},
      {"GET", "/admin/v1/practitioners/10000000000/activity"},
      {"GET", "/admin/v1/audit"},
      {"GET", "/admin/v1/deliveries"},
      {"GET", "/admin/v1/deliveries/none"},
      {"POST", "/admin/v1/deliveries/none/retry"},
      {"POST", "/admin/v1/deliveries/retry"}};
  for (const auto& [method, path] : adminRoutes) {
    EXPECT_EQ(admin(method, path, "{}", "not-a-key").status, 401) << method << " " << path;
    EXPECT_EQ(admin(method, path, "{}", editorKey_).status, 403) << method << " " << path;
  }
  EXPECT_EQ(api("GET", "/fhir/metadata", "", "").status, 200);
  EXPECT_EQ(admin("GET", "/health/live", "", "").status, 200);
}

TEST_F(EditorApiTest, DisabledClientKeyStopsWorking) {
  auto created = admin("POST", "/admin/v1/clients", R"({"name":"gone","role":"editor"})");
  auto doc = json(created);
  const std::string key = doc["key"].GetString();
  ASSERT_EQ(post(readExample("teleconsultation-minimal.json"), key).status, 201);
  EXPECT_EQ(admin("DELETE", std::string("/admin/v1/clients/") + doc["id"].GetString()).status, 204);
  EXPECT_EQ(post(readExample("teleconsultation-minimal.json"), key).status, 401);
}

TEST_F(EditorApiTest, NonJsonBodyIs400WithTheOffset) {
  auto r = post(R"({"patient": )", editorKey_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json(r)["issue"][0]["diagnostics"].GetString(), std::string());
  EXPECT_EQ(post("[1,2]", editorKey_).status, 400);
}

TEST_F(EditorApiTest, WrongJsonTypeIs400WithThePath) {
  auto r = post(R"({"patient": {"family": 12}})", editorKey_);
  EXPECT_EQ(r.status, 400) << r.body;
  auto doc = json(r);
  EXPECT_STREQ(doc["issue"][0]["code"].GetString(), "structure");
  EXPECT_STREQ(doc["issue"][0]["expression"][0].GetString(), "patient.family");
}

TEST_F(EditorApiTest, WrongContentTypeIs415) {
  auto r = api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"),
               editorKey_, {}, "text/plain");
  EXPECT_EQ(r.status, 415);
}

TEST_F(EditorApiTest, RuleErrorIs422AndStoresNothing) {
  std::string body = readExample("teleconsultation-full.json");
  body.replace(body.find("\"video\""), 7, "\"phone\"");
  auto r = post(body, editorKey_);
  ASSERT_EQ(r.status, 422) << r.body;
  auto doc = json(r);
  EXPECT_EQ(ruleIds(doc.root()).count("TLC-VIDEO"), 1u);
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
  // And the external id is still free: the corrected body is accepted.
  EXPECT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
}

TEST_F(EditorApiTest, MissingRequiredFieldIs422WithRequiredIssue) {
  std::string body = readExample("teleconsultation-minimal.json");
  body.replace(body.find("\"family\": \"BERNARD\","), 20, "");
  auto r = post(body, editorKey_);
  ASSERT_EQ(r.status, 422) << r.body;
  auto doc = json(r);
  bool found = false;
  for (const auto& issue : doc["issue"].GetArray()) {
    found = found || (std::string(issue["code"].GetString()) == "required" &&
                      std::string(issue["expression"][0].GetString()) == "patient.family");
  }
  EXPECT_TRUE(found) << r.body;
}

TEST_F(EditorApiTest, SickLeaveOfFourDaysByANonTreatingPhysicianIs422) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  auto r = api("POST", "/api/v1/teleconsultations/ext:LGC-2026-000123/documents",
               R"({"kind":"sick-leave","type":"initial","start":"2026-11-20","end":"2026-11-23"})",
               editorKey_);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(ruleIds(json(r).root()).count("AAT-3-DAYS"), 1u);
}

TEST_F(EditorApiTest, ActivityCapWarnsOnceTheDeclaredShareIsExceeded) {
  // 4 acts declared: one teleconsultation is already 25 % > 20 %.
  auto put = admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                   R"({"year": 2026, "totalActs": 4})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto r = post(readExample("teleconsultation-full.json"), editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto ids = ruleIds(json(r)["outcome"]);
  EXPECT_EQ(ids.count("TLC-ACTIVITY-CAP"), 1u);
  EXPECT_STREQ(json(r)["outcome"]["issue"][0]["severity"].GetString(), "warning");
}

TEST_F(EditorApiTest, ActivityDeclarationRejectsABadRpps) {
  auto r = admin("PUT", "/admin/v1/practitioners/10003456787/activity",
                 R"({"year": 2026, "totalActs": 4})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(ruleIds(json(r).root()).count("ID-RPPS"), 1u);
}

TEST_F(EditorApiTest, ValidateIsADryRunReturningTheOutcome) {
  std::string body = readExample("teleconsultation-full.json");
  body.replace(body.find("\"video\""), 7, "\"phone\"");
  auto r = api("POST", "/api/v1/$validate", body, editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  EXPECT_FALSE(doc["valid"].GetBool());
  EXPECT_STREQ(doc["outcome"]["resourceType"].GetString(), "OperationOutcome");
  EXPECT_EQ(ruleIds(doc["outcome"]).count("TLC-VIDEO"), 1u);
  EXPECT_FALSE(doc.root().HasMember("bundle"));
  // Nothing was stored: the record does not exist.
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
}

TEST_F(EditorApiTest, ValidateReturnsTheWouldBeBundleThatPassesTheValidator) {
  auto r = api("POST", "/api/v1/$validate", readExample("teleconsultation-full.json"), editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  EXPECT_TRUE(doc["valid"].GetBool());
  ASSERT_TRUE(doc.root().HasMember("bundle"));
  EXPECT_STREQ(doc["bundle"]["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(doc["bundle"]["type"].GetString(), "collection");
  EXPECT_GT(doc["bundle"]["entry"].Size(), 10u);
  // Decimals keep their digits.
  EXPECT_NE(r.body.find("\"value\":25.00"), std::string::npos);
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
}

TEST_F(EditorApiTest, FhirBundleOfARecordHoldsItsResourcesAndLaterDocuments) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  auto r = api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123/fhir", "", editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/fhir+json");
  auto bundle = common::parseJson(r.body);
  ASSERT_TRUE(bundle.hasValue());
  EXPECT_STREQ((*bundle)["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ((*bundle)["type"].GetString(), "collection");
  std::multiset<std::string> types;
  for (const auto& e : (*bundle)["entry"].GetArray()) {
    types.insert(e["resource"]["resourceType"].GetString());
  }
  for (const char* t :
       {"Patient", "Practitioner", "Encounter", "Consent", "ChargeItem", "DocumentReference",
        "Binary", "MedicationRequest", "ServiceRequest", "Provenance"}) {
    EXPECT_GE(types.count(t), 1u) << t;
  }
  auto issues = mapper().validator().validate(*bundle);
  EXPECT_FALSE(fhir::hasErrors(issues)) << common::toJsonString(fhir::operationOutcome(issues));
  const rapidjson::SizeType before = (*bundle)["entry"].Size();

  ASSERT_EQ(api("POST", "/api/v1/teleconsultations/ext:LGC-2026-000123/documents",
                readExample("document-sick-leave-prolongation.json"), editorKey_)
                .status,
            201);
  auto after = common::parseJson(
      api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123/fhir", "", editorKey_).body);
  ASSERT_TRUE(after.hasValue());
  EXPECT_GT((*after)["entry"].Size(), before);
  issues = mapper().validator().validate(*after);
  EXPECT_FALSE(fhir::hasErrors(issues)) << common::toJsonString(fhir::operationOutcome(issues));
}

TEST_F(EditorApiTest, ReplayedRecordKeepsTheSameFhirIds) {
  auto first = json(post(readExample("teleconsultation-full.json"), editorKey_));
  const std::string path =
      std::string("/api/v1/teleconsultations/") + first["id"].GetString() + "/fhir";
  auto a = json(api("GET", path, "", editorKey_));
  ASSERT_EQ(
      post(readExample("teleconsultation-full.json"), editorKey_).header("Idempotent-Replayed"),
      "true");
  auto b = json(api("GET", path, "", editorKey_));
  ASSERT_EQ(a["entry"].Size(), b["entry"].Size());
  for (rapidjson::SizeType i = 0; i < a["entry"].Size(); ++i) {
    EXPECT_STREQ(a["entry"][i]["fullUrl"].GetString(), b["entry"][i]["fullUrl"].GetString());
  }
}

TEST_F(EditorApiTest, MetadataIsAValidCapabilityStatementListingTheProducedTypes) {
  auto r = gateway_->api("GET", "/fhir/metadata");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/fhir+json");
  auto doc = json(r);
  EXPECT_STREQ(doc["resourceType"].GetString(), "CapabilityStatement");
  EXPECT_STREQ(doc["fhirVersion"].GetString(), "4.0.1");
  std::set<std::string> types;
  for (const auto& res : doc["rest"][0]["resource"].GetArray())
    types.insert(res["type"].GetString());
  EXPECT_TRUE(types.count("Patient") && types.count("Encounter") &&
              types.count("DocumentReference"));
  const auto issues = mapper().validator().validate(doc);
  EXPECT_FALSE(fhir::hasErrors(issues)) << common::toJsonString(fhir::operationOutcome(issues));
}

TEST_F(EditorApiTest, FhirValidateReportsEachProblemWithItsLocation) {
  const std::string patient = R"({"resourceType":"Patient","id":"p1",
      "gender":"femme","birthDate":"1979-13-45","nickname":"x",
      "deceasedText":"no","name":[{"family":"X"}],"link":[{"type":"seealso"}]})";
  auto r = api("POST", "/fhir/$validate", patient, editorKey_, {}, "application/fhir+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  std::set<std::string> locations;
  for (const auto& issue : doc["issue"].GetArray()) {
    if (issue.HasMember("expression")) locations.insert(issue["expression"][0].GetString());
  }
  EXPECT_TRUE(locations.count("Patient.gender")) << r.body;         // outside a required binding
  EXPECT_TRUE(locations.count("Patient.birthDate")) << r.body;      // wrong primitive format
  EXPECT_TRUE(locations.count("Patient.nickname")) << r.body;       // unknown element
  EXPECT_TRUE(locations.count("Patient.deceasedText")) << r.body;   // wrong choice-type suffix
  EXPECT_TRUE(locations.count("Patient.link[0].other")) << r.body;  // missing required element
  auto ok = api("POST", "/fhir/$validate", R"({"resourceType":"Patient","gender":"female"})",
                editorKey_, {}, "application/fhir+json");
  ASSERT_EQ(ok.status, 200);
  EXPECT_STREQ(json(ok)["issue"][0]["severity"].GetString(), "information");
}

TEST_F(EditorApiTest, RateLimitAnswers429WithRetryAfter) {
  const std::string limited = createClient("slow editor", "editor", R"(,"rateLimit": 2)");
  const std::string body = readExample("teleconsultation-minimal.json");
  EXPECT_EQ(post(body, limited).status, 201);
  EXPECT_EQ(post(body, limited).status, 201);
  auto r = post(body, limited);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "30");
  gateway_->clock().advance(std::chrono::seconds(30));
  EXPECT_EQ(post(body, limited).status, 201);
  // Other clients are not affected.
  EXPECT_EQ(post(body, editorKey_).status, 201);
}

TEST_F(EditorApiTest, StoreThatCannotTakeTheWriteAnswers503AndNothingIsHalfStored) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((gateway_->dir() / "data" / "gateway.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto r = post(readExample("teleconsultation-full.json"), editorKey_);
  EXPECT_EQ(r.status, 503) << r.body;
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
  EXPECT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
}

TEST_F(EditorApiTest, AuditTrailRecordsActionsWithoutHealthData) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  EXPECT_EQ(post("{", editorKey_).status, 400);
  auto r = admin("GET", "/admin/v1/audit?action=POST%20/api/v1/teleconsultations");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  ASSERT_EQ(doc.root().Size(), 2u);
  // Newest first.
  EXPECT_STREQ(doc.root()[0]["outcome"].GetString(), "400");
  EXPECT_STREQ(doc.root()[1]["outcome"].GetString(), "201");
  EXPECT_EQ(r.body.find("DURAND"), std::string::npos);
  EXPECT_EQ(r.body.find("279035121518989"), std::string::npos);
}

class SmallBodyLimitTest : public EditorApiTest {
 protected:
  void SetUp() override { start(/*maxBodyBytes=*/512); }
};

TEST_F(SmallBodyLimitTest, BodyOverTheLimitIs413) {
  auto r = post(readExample("teleconsultation-full.json"), editorKey_);
  EXPECT_EQ(r.status, 413);
  EXPECT_STREQ(json(r)["issue"][0]["code"].GetString(), "too-costly");
}

TEST_F(EditorApiTest, ADisabledClientGetsNoNewKey) {
  auto created = admin("POST", "/admin/v1/clients", R"({"name":"gone","role":"editor"})");
  const std::string id = json(created)["id"].GetString();
  EXPECT_EQ(admin("POST", "/admin/v1/clients/" + id + "/keys").status, 201);
  ASSERT_EQ(admin("DELETE", "/admin/v1/clients/" + id).status, 204);
  auto r = admin("POST", "/admin/v1/clients/" + id + "/keys");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.body.find("\"key\""), std::string::npos);
  EXPECT_EQ(admin("POST", "/admin/v1/clients/no-such-client/keys").status, 404);
}

TEST_F(EditorApiTest, AuditAndDeliveryQueriesRefuseABadLimitOrCursor) {
  for (const char* query :
       {"limit=abc", "limit=0", "limit=1001", "limit=-1", "limit=", "cursor=x", "cursor=-5",
        "cursor=0", "cursor=", "cursor=1e3", "limit=10&cursor=2x", "after=0", "after=12"}) {
    auto r = admin("GET", std::string("/admin/v1/audit?") + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
  }
  // The oldest-first paging of version 0.1 is refused, not ignored (a client looping until an
  // empty page would read the first one forever).
  EXPECT_NE(admin("GET", "/admin/v1/audit?after=12").body.find("Link header"), std::string::npos);
  EXPECT_EQ(admin("GET", "/admin/v1/deliveries?limit=many").status, 400);
  EXPECT_EQ(admin("GET", "/admin/v1/deliveries?limit=1000").status, 200);
  auto page = admin("GET", "/admin/v1/audit?limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(json(page).root().Size(), 1u);
}

TEST_F(EditorApiTest, TheAuditTrailPagesBackFromTheLatestEntryByItsLinkHeader) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  EXPECT_EQ(post("{", editorKey_).status, 400);
  EXPECT_EQ(post("[]", editorKey_).status, 400);
  // Three entries of the action, two to a page: the latest two, then the first one.
  const std::string first = "/admin/v1/audit?action=POST%20/api/v1/teleconsultations&limit=2";
  auto page = admin("GET", first);
  ASSERT_EQ(page.status, 200) << page.body;
  auto entries = json(page);
  ASSERT_EQ(entries.root().Size(), 2u);
  EXPECT_GT(std::stoll(entries.root()[0]["id"].GetString()),
            std::stoll(entries.root()[1]["id"].GetString()));
  const std::string link = page.header("Link");
  ASSERT_EQ(link.rfind("</admin/v1/audit?", 0), 0u) << link;
  ASSERT_NE(link.find(">; rel=\"next\""), std::string::npos) << link;
  const std::string next = link.substr(1, link.find('>') - 1);
  // The filters stay, percent-encoded.
  EXPECT_NE(next.find("action=POST%20%2Fapi%2Fv1%2Fteleconsultations"), std::string::npos) << next;
  EXPECT_NE(next.find("limit=2"), std::string::npos) << next;
  auto older = admin("GET", next);
  ASSERT_EQ(older.status, 200) << older.body;
  auto rest = json(older);
  ASSERT_EQ(rest.root().Size(), 1u);
  EXPECT_STREQ(rest.root()[0]["outcome"].GetString(), "201");
  EXPECT_LT(std::stoll(rest.root()[0]["id"].GetString()),
            std::stoll(entries.root()[1]["id"].GetString()));
  EXPECT_EQ(older.header("Link"), "") << "a page that is not full is the last one";
}

TEST_F(EditorApiTest, AuditSinceIsAUtcInstant) {
  ASSERT_EQ(post(readExample("teleconsultation-full.json"), editorKey_).status, 201);
  for (const char* since : {"2000-01-01T00:00:00Z", "2000-01-01T00:00:00.5Z"}) {
    auto r = admin("GET", std::string("/admin/v1/audit?since=") + since);
    ASSERT_EQ(r.status, 200) << since << " " << r.body;
    EXPECT_GE(json(r).root().Size(), 1u) << since;
  }
  auto later = admin("GET", "/admin/v1/audit?since=2200-01-01T00:00:00Z");
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(json(later).root().Size(), 0u);
  for (const char* since : {"2000-01-01T00:00:00%2B01:00", "2000-01-01", "2000-02-30T00:00:00Z",
                            "2000-01-01T00:00:00Zjunk", "yesterday", ""}) {
    auto r = admin("GET", std::string("/admin/v1/audit?since=") + since);
    EXPECT_EQ(r.status, 400) << since << " " << r.body;
  }
}

/// The first issue's code and expression.
std::pair<std::string, std::string> firstIssue(const rapidjson::Value& oo) {
  const auto& issue = oo["issue"][0];
  return {issue["code"].GetString(),
          issue.HasMember("expression") ? issue["expression"][0].GetString() : ""};
}

// Issue 8, finding 1: these killed the process (RapidJSON's number-to-double path).
TEST_F(EditorApiTest, DecimalsWithHundredsOfDigitsAreRefusedAndTheGatewayKeepsServing) {
  const std::string zeros = "0." + std::string(400, '0') + "1";
  std::string quantity = readExample("teleconsultation-full.json");
  quantity.replace(quantity.find("\"quantity\": 1"), 13, "\"quantity\": " + zeros);
  std::string amount = readExample("teleconsultation-full.json");
  amount.replace(amount.find("\"25.00\""), 7, "\"" + zeros + "\"");
  std::string exponent = readExample("teleconsultation-full.json");
  exponent.replace(exponent.find("\"quantity\": 1"), 13, "\"quantity\": 1e-400");
  for (const auto& [body, where] :
       {std::pair{quantity, "documents[1].items[0].quantity"}, std::pair{amount, "billing.amount"},
        std::pair{exponent, "documents[1].items[0].quantity"}}) {
    auto r = api("POST", "/api/v1/$validate", body, editorKey_);
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = json(r);
    EXPECT_FALSE(doc["valid"].GetBool());
    EXPECT_EQ(firstIssue(doc["outcome"]).second, where);
    EXPECT_EQ(post(body, editorKey_).status, 422);
  }
  // Still alive, and a body with a long but bounded decimal is mapped and answered in full.
  std::string bounded = readExample("teleconsultation-full.json");
  bounded.replace(bounded.find("\"quantity\": 1"), 13, "\"quantity\": 0.00000000000000001");
  auto r = api("POST", "/api/v1/$validate", bounded, editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json(r)["valid"].GetBool());
  EXPECT_NE(r.body.find("\"value\":0.00000000000000001"), std::string::npos);
}

// Finding 7: the first "obtained" won while parsers that take the last read the opposite.
TEST_F(EditorApiTest, DuplicateMemberNamesAre400AtTheirPathAndStoreNothing) {
  std::string body = readExample("teleconsultation-full.json");
  const auto at = body.find("\"obtained\": true");
  ASSERT_NE(at, std::string::npos);
  body.insert(at, "\"obtained\": false, ");
  auto r = post(body, editorKey_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(firstIssue(json(r).root()),
            (std::pair<std::string, std::string>{"structure", "encounter.consent.obtained"}));
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
}

// Finding 4: a lone surrogate was stored as invalid UTF-8 (500 in a mapped field; in an unmapped
// one, every later POST .../documents on the record answered 500).
TEST_F(EditorApiTest, UnpairedSurrogatesAre400AtTheirPathInMappedAndUnmappedFields) {
  std::string mapped = readExample("teleconsultation-full.json");
  mapped.replace(mapped.find("\"DURAND\""), 8, R"("DUR\udc00AND")");
  auto r = post(mapped, editorKey_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(firstIssue(json(r).root()).second, "patient.family");
  std::string unmapped = readExample("teleconsultation-full.json");
  unmapped.insert(unmapped.find('{') + 1, R"("note": "\ud800 alone",)");
  r = post(unmapped, editorKey_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(firstIssue(json(r).root()).second, "note");
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123", "", editorKey_).status,
            404);
}

// Finding 5: a name over FHIR's 1 MiB string limit passed the rules and failed in the mapper (500
// at Patient.name[0].family).
TEST_F(EditorApiTest, OversizedTextIs422AtTheBodyPathNot500) {
  std::string body = readExample("teleconsultation-full.json");
  body.replace(body.find("\"DURAND\""), 8, "\"" + std::string((1 << 20) + 1, 'D') + "\"");
  auto r = post(body, editorKey_);
  EXPECT_EQ(r.status, 422) << r.body.substr(0, 500);
  EXPECT_EQ(firstIssue(json(r).root()),
            (std::pair<std::string, std::string>{"too-long", "patient.family"}));
  body = readExample("teleconsultation-full.json");
  body.replace(body.find("\"DURAND\""), 8, R"("DUR\u0001AND")");
  r = post(body, editorKey_);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(firstIssue(json(r).root()),
            (std::pair<std::string, std::string>{"value", "patient.family"}));
}

/// A sick-leave document of one day, with its own external id.
std::string oneDayLeave(int n) {
  return R"({"kind": "sick-leave", "externalId": "AAT-)" + std::to_string(n) +
         R"(", "type": "initial", "start": "2026-11-21", "end": "2026-11-21"})";
}

class DocumentCapTest : public EditorApiTest {
 protected:
  void SetUp() override {
    LimitsConfig limits;
    limits.maxDocumentsPerRequest = 3;
    limits.maxDocumentsPerRecord = 4;
    start(10 * 1024 * 1024, limits);
  }
};

// Finding 3: 10,000 one-day sick-leave documents in one body made 20,001 deliveries.
TEST_F(DocumentCapTest, MoreDocumentsThanTheRequestCapIs422AndQueuesNothing) {
  std::string body = readExample("teleconsultation-minimal.json");
  std::string docs = "\"externalId\": \"CAP-0\", \"documents\": [";
  for (int i = 0; i < 4; ++i) docs += (i ? "," : "") + oneDayLeave(i);
  docs += "],";
  body.insert(body.find('{') + 1, docs);
  auto r = post(body, editorKey_);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(firstIssue(json(r).root()),
            (std::pair<std::string, std::string>{"too-costly", "documents"}));
  EXPECT_EQ(api("GET", "/api/v1/teleconsultations/ext:CAP-0", "", editorKey_).status, 404);
  // $validate applies the same cap.
  auto v = api("POST", "/api/v1/$validate", body, editorKey_);
  EXPECT_EQ(v.status, 422) << v.body;
}

TEST_F(DocumentCapTest, ARecordTakesDocumentsUpToItsCapThen422) {
  std::string body = readExample("teleconsultation-minimal.json");
  body.insert(body.find('{') + 1, "\"externalId\": \"CAP-1\", \"documents\": [" + oneDayLeave(0) +
                                      "," + oneDayLeave(1) + "," + oneDayLeave(2) + "],");
  auto created = post(body, editorKey_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/api/v1/teleconsultations/ext:CAP-1/documents";
  EXPECT_EQ(api("POST", path, oneDayLeave(3), editorKey_).status, 201);
  auto r = api("POST", path, oneDayLeave(4), editorKey_);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_STREQ(json(r)["issue"][0]["code"].GetString(), "too-costly");
  auto status = api("GET", "/api/v1/teleconsultations/ext:CAP-1", "", editorKey_);
  EXPECT_EQ(json(status)["documents"].Size(), 4u);
}

// ---- Rules in force in 2026 (issue 10) -------------------------------------------------------

/// The body with its first occurrence of `from` replaced by `to` (the test fails if absent).
std::string replaced(std::string body, const std::string& from, const std::string& to) {
  const std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

/// The ChargeItem of a record's FHIR Bundle, as JSON text ("" when absent).
std::string chargeItemOf(const HttpResponse& bundle) {
  auto doc = common::parseJson(bundle.body);
  if (!doc.hasValue()) return {};
  for (const auto& e : (*doc)["entry"].GetArray()) {
    if (std::string(e["resource"]["resourceType"].GetString()) == "ChargeItem") {
      return common::toJsonString(e["resource"]);
    }
  }
  return {};
}

TEST_F(EditorApiTest, ARecordTrippingOnlyTheKnownPatientReminderKeepsAReimbursableChargeItem) {
  ASSERT_EQ(admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                  R"({"year": 2026, "totalActs": 4200})")
                .status,
            200);
  const std::string body =
      replaced(readExample("teleconsultation-full.json"), R"("lastInPersonVisit": "2026-05-10")",
               R"("lastInPersonVisit": "2025-11-19")");
  auto r = post(body, editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = json(r);
  ASSERT_EQ(doc["outcome"]["issue"].Size(), 1u) << r.body;
  const auto& issue = doc["outcome"]["issue"][0];
  EXPECT_STREQ(issue["severity"].GetString(), "information");
  EXPECT_STREQ(issue["details"]["coding"][0]["code"].GetString(), "TLC-KNOWN-PATIENT");
  const std::string charge = chargeItemOf(
      api("GET", "/api/v1/teleconsultations/ext:LGC-2026-000123/fhir", "", editorKey_));
  ASSERT_FALSE(charge.empty());
  EXPECT_EQ(charge.find("not-reimbursable"), std::string::npos) << charge;
}

TEST_F(EditorApiTest, ASickLeaveOverItsDurationCapIsAWarningAndAJustifiedOneInformation) {
  // The minimal example: the practitioner is the treating physician (no 3-day limit).
  auto created = post(readExample("teleconsultation-minimal.json"), editorKey_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path =
      "/api/v1/teleconsultations/" + std::string(json(created)["id"].GetString()) + "/documents";
  auto r = api("POST", path, R"({"kind": "sick-leave", "externalId": "CAP-1", "type": "initial",
      "start": "2026-11-21", "end": "2026-12-21"})",
               editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = json(r);
  ASSERT_EQ(doc["outcome"]["issue"].Size(), 1u) << r.body;
  EXPECT_STREQ(doc["outcome"]["issue"][0]["severity"].GetString(), "warning");
  EXPECT_STREQ(doc["outcome"]["issue"][0]["details"]["coding"][0]["code"].GetString(),
               "AAT-DURATION-CAP");
  EXPECT_STREQ(doc["outcome"]["issue"][0]["expression"][0].GetString(), "end");

  r = api("POST", path, R"({"kind": "sick-leave", "externalId": "CAP-2", "type": "initial",
      "start": "2026-11-21", "end": "2026-12-20"})",
          editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json(r)["outcome"]["issue"].Size(), 0u) << r.body;

  r = api("POST", path, R"({"kind": "sick-leave", "externalId": "CAP-3", "type": "initial",
      "start": "2026-11-21", "end": "2027-01-31",
      "durationJustification": "Suites opératoires, reprise impossible avant février."})",
          editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  doc = json(r);
  ASSERT_EQ(doc["outcome"]["issue"].Size(), 1u) << r.body;
  EXPECT_STREQ(doc["outcome"]["issue"][0]["severity"].GetString(), "information");
  EXPECT_STREQ(doc["outcome"]["issue"][0]["expression"][0].GetString(), "durationJustification");
}

TEST_F(EditorApiTest, ASickLeaveStartingBeforeTheFirstOfSeptember2026IsNotCapped) {
  auto created = post(readExample("teleconsultation-minimal.json"), editorKey_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto r = api(
      "POST",
      "/api/v1/teleconsultations/" + std::string(json(created)["id"].GetString()) + "/documents",
      R"({"kind": "sick-leave", "type": "initial", "start": "2026-08-31",
                   "end": "2026-11-30"})",
      editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(ruleIds(json(r)["outcome"]).count("AAT-DURATION-CAP"), 0u) << r.body;
}

TEST_F(EditorApiTest, APractitionerPractisingMainlyAbroadCannotPrescribeASickLeave) {
  std::string body = replaced(readExample("teleconsultation-minimal.json"),
                              R"("relationToPatient")", R"("practisesMainlyAbroad": true,
      "relationToPatient")");
  auto created = post(body, editorKey_);  // the teleconsultation itself is fine
  ASSERT_EQ(created.status, 201) << created.body;
  auto r = api(
      "POST",
      "/api/v1/teleconsultations/" + std::string(json(created)["id"].GetString()) + "/documents",
      R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
                   "end": "2026-11-22"})",
      editorKey_);
  ASSERT_EQ(r.status, 422) << r.body;
  auto doc = json(r);
  EXPECT_EQ(ruleIds(doc.root()).count("AAT-ABROAD"), 1u) << r.body;
  EXPECT_EQ(firstIssue(doc.root()), (std::pair<std::string, std::string>{"business-rule", "kind"}));
  // A wrong type for the flag is a 400 at its path.
  body = replaced(readExample("teleconsultation-minimal.json"), R"("relationToPatient")",
                  R"("practisesMainlyAbroad": "yes", "relationToPatient")");
  r = post(body, editorKey_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("practitioner.practisesMainlyAbroad"), std::string::npos) << r.body;
}

TEST_F(EditorApiTest, BillingEligibilityFollowsSpecialtyAndSector) {
  const std::string full = readExample("teleconsultation-full.json");
  // A psychiatrist bills TC, not TCG.
  std::string body =
      replaced(full, R"("specialty": "general-practice")", R"("specialty": "psychiatry")");
  auto r = api("POST", "/api/v1/$validate", body, editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ruleIds(json(r)["outcome"]).count("BILL-ACT"), 1u) << r.body;
  EXPECT_FALSE(json(r)["valid"].GetBool());
  // TC has no fixed tariff: BILL-AMOUNT is information, and the record is accepted.
  body = replaced(body, R"("act": "TCG")", R"("act": "TC")");
  r = post(body, editorKey_);
  ASSERT_EQ(r.status, 201) << r.body;
  bool amountNotEvaluated = false;
  // The answer is bound first: a temporary in the range expression dies before the loop runs.
  const common::JsonDocument answer = json(r);
  for (const auto& issue : answer["outcome"]["issue"].GetArray()) {
    if (std::string(issue["details"]["coding"][0]["code"].GetString()) == "BILL-AMOUNT") {
      amountNotEvaluated = std::string(issue["severity"].GetString()) == "information";
    }
  }
  EXPECT_TRUE(amountNotEvaluated) << r.body;
  // A general practitioner in sector 2 may not bill TCG.
  body = replaced(full, R"("specialty": "general-practice")",
                  R"("specialty": "general-practice", "conventionSector": "2")");
  r = api("POST", "/api/v1/$validate", body, editorKey_);
  EXPECT_EQ(ruleIds(json(r)["outcome"]).count("BILL-ACT"), 1u) << r.body;
  // An unlisted sector is 422 at its path (a new record: the TC one above took the id).
  body = replaced(fullExampleAs("LGC-2026-SECTOR3"), R"("specialty": "general-practice")",
                  R"("specialty": "general-practice", "conventionSector": "3")");
  r = post(body, editorKey_);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("practitioner.conventionSector"), std::string::npos) << r.body;
}

TEST_F(EditorApiTest, ActsOfTheAssistingNurseAndTeleExpertiseAreRefusedWithTheirOwnMessage) {
  ASSERT_EQ(admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                  R"({"year": 2026, "totalActs": 4200})")
                .status,
            200);  // so that BILL-ACT is the only issue
  for (const std::string act : {"TLS", "TE1"}) {
    auto r = post(replaced(readExample("teleconsultation-full.json"), R"("act": "TCG")",
                           R"("act": ")" + act + "\""),
                  editorKey_);
    ASSERT_EQ(r.status, 422) << r.body;
    auto doc = json(r);
    EXPECT_EQ(ruleIds(doc.root()).count("BILL-ACT"), 1u) << r.body;
    EXPECT_EQ(firstIssue(doc.root()),
              (std::pair<std::string, std::string>{"business-rule", "billing.act"}));
    EXPECT_NE(r.body.find(act == "TLS" ? "infirmier" : "expertise"), std::string::npos) << r.body;
  }
}

/// The rule IDs of a GET /api/v1/rules answer, in order.
std::vector<std::string> catalogueIds(const rapidjson::Value& body) {
  std::vector<std::string> ids;
  for (const auto& rule : body["rules"].GetArray()) ids.emplace_back(rule["id"].GetString());
  return ids;
}

/// How many times an ID appears in a catalogue.
int countOf(const std::vector<std::string>& ids, const std::string& id) {
  int n = 0;
  for (const std::string& i : ids) n += i == id ? 1 : 0;
  return n;
}

TEST_F(EditorApiTest, RuleCatalogueListsTheRulesInForceTodayWithTheirSourceAndPeriod) {
  // The clock says 2026-11-22: every rule, the 2026 sick-leave cap included.
  auto r = api("GET", "/api/v1/rules", "", editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  EXPECT_STREQ(doc["date"].GetString(), "2026-11-22");
  const std::vector<std::string> ids = catalogueIds(doc.root());
  ASSERT_EQ(ids.size(), 20u) << r.body;
  EXPECT_EQ(ids.front(), "TLC-CONSENT");
  bool sawCap = false;
  for (const auto& rule : doc["rules"].GetArray()) {
    EXPECT_TRUE(rule["description"]["fr"].IsString());
    EXPECT_GT(rule["description"]["fr"].GetStringLength(), 0u) << rule["id"].GetString();
    EXPECT_GT(rule["description"]["en"].GetStringLength(), 0u) << rule["id"].GetString();
    EXPECT_GT(rule["source"]["text"].GetStringLength(), 0u) << rule["id"].GetString();
    if (std::string(rule["id"].GetString()) == "AAT-DURATION-CAP") {
      sawCap = true;
      EXPECT_STREQ(rule["severity"].GetString(), "warning");
      EXPECT_STREQ(rule["effectivePeriod"]["from"].GetString(), "2026-09-01");
      EXPECT_TRUE(rule["effectivePeriod"]["until"].IsNull());
      EXPECT_STREQ(rule["source"]["date"].GetString(), "2026-09-01");
    }
    if (std::string(rule["id"].GetString()) == "TLC-KNOWN-PATIENT") {
      EXPECT_STREQ(rule["severity"].GetString(), "information");
      EXPECT_FALSE(rule["reimbursement"].GetBool());
    }
  }
  EXPECT_TRUE(sawCap);
}

TEST_F(EditorApiTest, RuleCatalogueOfAPastDayLeavesOutTheRulesNotYetInForce) {
  auto r = api("GET", "/api/v1/rules?date=2025-02-28", "", editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> ids = catalogueIds(json(r).root());
  EXPECT_EQ(ids.size(), 18u);
  EXPECT_EQ(countOf(ids, "AAT-ABROAD"), 0);
  EXPECT_EQ(countOf(ids, "AAT-DURATION-CAP"), 0);
  EXPECT_EQ(countOf(ids, "AAT-3-DAYS"), 1);

  ids = catalogueIds(json(api("GET", "/api/v1/rules?date=2025-03-01", "", editorKey_)).root());
  EXPECT_EQ(countOf(ids, "AAT-ABROAD"), 1);
  EXPECT_EQ(countOf(ids, "AAT-DURATION-CAP"), 0);
  ids = catalogueIds(json(api("GET", "/api/v1/rules?date=2023-12-31", "", editorKey_)).root());
  EXPECT_EQ(countOf(ids, "AAT-3-DAYS"), 0);
  EXPECT_EQ(ids.size(), 17u);
}

TEST_F(EditorApiTest, RuleCatalogueRefusesABadDateAndNeedsAnEditorKey) {
  for (const char* bad : {"2026-02-30", "20261122", "today", ""}) {
    auto r = api("GET", std::string("/api/v1/rules?date=") + bad, "", editorKey_);
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
  EXPECT_EQ(api("GET", "/api/v1/rules", "", "").status, 401);
  EXPECT_EQ(api("POST", "/api/v1/rules", "{}", editorKey_).status, 405);
}

TEST_F(EditorApiTest, SaintBarthelemyIsNotGuadeloupeAndMonacoIsNotEvaluated) {
  ASSERT_EQ(admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                  R"({"year": 2026, "totalActs": 4200})")
                .status,
            200);
  // Patient in Saint-Barthélemy (97133 -> 977), practitioner in Guadeloupe (97100 -> 971).
  std::string body = replaced(readExample("teleconsultation-full.json"),
                              R"("postalCode": "51100",
      "city": "Reims")",
                              R"("postalCode": "97133",
      "city": "Gustavia")");
  body = replaced(body, R"("postalCode": "51100")", R"("postalCode": "97100")");
  auto r = api("POST", "/api/v1/$validate", body, editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json(r);
  ASSERT_EQ(doc["outcome"]["issue"].Size(), 1u) << r.body;
  EXPECT_STREQ(doc["outcome"]["issue"][0]["severity"].GetString(), "warning");
  EXPECT_NE(r.body.find("977"), std::string::npos) << r.body;
  // Monaco: territoriality not evaluated, information.
  body = replaced(readExample("teleconsultation-full.json"), R"("postalCode": "51100",
      "city": "Reims")",
                  R"("postalCode": "98000",
      "city": "Monaco")");
  r = api("POST", "/api/v1/$validate", body, editorKey_);
  doc = json(r);
  ASSERT_EQ(doc["outcome"]["issue"].Size(), 1u) << r.body;
  EXPECT_STREQ(doc["outcome"]["issue"][0]["severity"].GetString(), "information");
  EXPECT_STREQ(doc["outcome"]["issue"][0]["details"]["coding"][0]["code"].GetString(),
               "TLC-TERRITORY");
}

TEST_F(EditorApiTest, AnAdministratorsPerPractitionerThresholdReplacesTheActivityCap) {
  // 4 declared acts: this teleconsultation is 25 %, over 20 % but within a 25 % derogation.
  auto put = admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                   R"({"year": 2026, "totalActs": 4, "capPercent": 25})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find(R"("capPercent":25)"), std::string::npos) << put.body;
  auto got = admin("GET", "/admin/v1/practitioners/10003456786/activity?year=2026");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find(R"("capPercent":25)"), std::string::npos) << got.body;
  auto r = api("POST", "/api/v1/$validate", readExample("teleconsultation-full.json"), editorKey_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ruleIds(json(r)["outcome"]).count("TLC-ACTIVITY-CAP"), 0u) << r.body;
  EXPECT_TRUE(json(r)["valid"].GetBool());
  // A declaration without it goes back to the configured cap.
  ASSERT_EQ(admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                  R"({"year": 2026, "totalActs": 4})")
                .status,
            200);
  r = api("POST", "/api/v1/$validate", readExample("teleconsultation-full.json"), editorKey_);
  EXPECT_EQ(ruleIds(json(r)["outcome"]).count("TLC-ACTIVITY-CAP"), 1u) << r.body;
  EXPECT_EQ(admin("PUT", "/admin/v1/practitioners/10003456786/activity",
                  R"({"year": 2026, "totalActs": 4, "capPercent": 101})")
                .status,
            422);
}

// rules.acceptTestInsOids decides whether the INS-NIR's test (…4.10) and demonstration (…4.11)
// systems are usable. Off, ID-INS refuses them as before. On, they are NIRs like …4.8: the
// Patient carries the INS and its MSSanté mailbox, and the documents are routed to the patient.
// Before the one "is this INS usable" decision, …4.10 was routed to the patient without the
// Patient having the mailbox, and …4.11 got neither.
TEST(InsTestAndDemonstrationSystems, FollowTheConfigurationInRoutingAndInThePatient) {
  struct Case {
    const char* oid;
    bool acceptTestInsOids;
    int status;  // of the POST
  };
  const Case kCases[] = {{"1.2.250.1.213.1.4.8", false, 201},  {"1.2.250.1.213.1.4.8", true, 201},
                         {"1.2.250.1.213.1.4.10", false, 422}, {"1.2.250.1.213.1.4.10", true, 201},
                         {"1.2.250.1.213.1.4.11", false, 422}, {"1.2.250.1.213.1.4.11", true, 201}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.oid) + (c.acceptTestInsOids ? " accepted" : " not accepted"));
    testsupport::InProcessGatewayOptions options;
    options.rules.acceptTestInsOids = c.acceptTestInsOids;
    connectors::ConnectorRoute archive;
    archive.connectorId = "archive";
    archive.destinations = {connectors::Destination::kDmp, connectors::Destination::kPatient};
    options.routes.push_back(archive);
    testsupport::InProcessGateway gateway(std::move(options));
    ASSERT_TRUE(gateway.start().isOk());
    const std::string key = gateway.createClient("editor", "editor").key;
    std::string body = readExample("teleconsultation-full.json");
    const std::string production = "\"1.2.250.1.213.1.4.8\"";
    body.replace(body.find(production), production.size(), std::string("\"") + c.oid + "\"");

    const auto posted = gateway.api("POST", "/api/v1/teleconsultations", body, key);
    ASSERT_EQ(posted.status, c.status) << posted.body;
    const auto answer = common::parseJson(posted.body);
    ASSERT_TRUE(answer.hasValue()) << posted.body;
    if (c.status != 201) {
      EXPECT_EQ(ruleIds(answer->root()).count("ID-INS"), 1u) << posted.body;
      continue;
    }
    // The prescription and the sick leave go to the patient, as for a production INS-NIR.
    std::size_t toPatient = 0;
    for (const auto& d : (*answer)["deliveries"].GetArray()) {
      if (std::string(d["destination"].GetString()) != "patient") continue;
      EXPECT_STREQ(d["status"].GetString(), "pending") << posted.body;
      ++toPatient;
    }
    EXPECT_EQ(toPatient, 2u) << posted.body;

    const auto bundle = gateway.api(
        "GET", "/api/v1/teleconsultations/" + std::string((*answer)["id"].GetString()) + "/fhir",
        {}, key);
    ASSERT_EQ(bundle.status, 200) << bundle.body;
    const auto doc = common::parseJson(bundle.body);
    ASSERT_TRUE(doc.hasValue());
    const rapidjson::Value* patient = nullptr;
    for (const auto& e : (*doc)["entry"].GetArray()) {
      if (std::string(e["resource"]["resourceType"].GetString()) == "Patient") {
        patient = &e["resource"];
      }
    }
    ASSERT_NE(patient, nullptr) << bundle.body;
    EXPECT_EQ(std::string((*patient)["identifier"][0]["system"].GetString()),
              std::string("urn:oid:") + c.oid);
    ASSERT_TRUE(patient->HasMember("telecom")) << bundle.body;
    EXPECT_STREQ((*patient)["telecom"][0]["value"].GetString(),
                 "279035121518989@patient.mssante.fr");
  }
}

}  // namespace
}  // namespace fhirgw::gateway
