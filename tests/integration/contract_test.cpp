// Contract tests of the OpenAPI documents (gateway/openapi/*.json) against the real fhir-gateway
// binary: the examples of the specification and the admin operations are driven through both
// listeners (accepted, refused, malformed, unauthenticated, forbidden, unknown, replayed,
// conflicting, throttled, too large, wrong content type; clients, keys, activity, audit,
// deliveries, connectors, storage, health, metrics, the documents themselves), each answer is
// recorded with its method, route pattern, status, headers and body, and tests/openapi/check.js
// (ajv, JSON Schema 2020-12) checks that every status, API header, content type and body is what
// the document of that listener says for that operation. An undocumented answer fails the test.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::contract_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "contract-test-admin-token-0123456789";

/// One answer as the checker reads it.
struct Recorded {
  std::string listener;  ///< "api" or "admin"
  std::string method;
  std::string route;  ///< the pattern of the document, e.g. /api/v1/teleconsultations/{id}
  std::string label;  ///< what the call is about, for the failure message
  HttpResponse response;
};

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string member(const std::string& json, const char* name) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (!doc.IsObject() || !doc.HasMember(name) || !doc[name].IsString()) return {};
  return doc[name].GetString();
}

class ContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path config = dir_.write("gateway.json", R"({
      "server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "limits": {"maxBodyBytes": 262144, "maxDocumentsPerRequest": 3},
      "storage": {"dataDir": ")" + (dir_.path() / "data").string() +
                                                           R"("},
      "connectors": [{"id": "outbox", "type": "file",
        "routes": ["dmp", "treating-physician", "patient", "encounter"],
        "options": {"directory": ")" + (dir_.path() / "outbox").string() +
                                                           R"("}}]})");
    gateway_ = std::make_unique<GatewayProcess>(
        std::vector<std::string>{"--config", config},
        std::map<std::string, std::string>{{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(gateway_->waitUntilStarted()) << gateway_->output();
    gateway_->drainInBackground();
  }
  void TearDown() override {
    if (!gateway_) return;
    gateway_->signal(SIGTERM);
    EXPECT_EQ(gateway_->wait(), 0) << gateway_->output();
  }

  /// Sends one request and records its answer under the route pattern of the documents.
  HttpResponse call(const std::string& listener, const std::string& method,
                    const std::string& route, const std::string& path, const std::string& label,
                    const std::string& body = {}, std::map<std::string, std::string> headers = {},
                    const std::string& contentType = "application/json") {
    const int port = listener == "api" ? gateway_->apiPort() : gateway_->adminPort();
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    HttpResponse r = httpRequest(s, method, path, body, headers, contentType);
    records_.push_back(Recorded{listener, method, route, label, r});
    return r;
  }
  HttpResponse admin(const std::string& method, const std::string& route, const std::string& path,
                     const std::string& label, const std::string& body = {},
                     std::map<std::string, std::string> extra = {}) {
    extra.emplace("Authorization", std::string("Bearer ") + kToken);
    return call("admin", method, route, path, label, body, extra);
  }
  HttpResponse editor(const std::string& method, const std::string& route, const std::string& path,
                      const std::string& label, const std::string& body = {},
                      std::map<std::string, std::string> extra = {}) {
    extra.emplace("Authorization", "Bearer " + editorKey_);
    return call("api", method, route, path, label, body, extra);
  }

  /// Writes the records and runs the checker; its whole output on failure.
  void expectAllDocumented() {
    rapidjson::Document out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    auto text = [&a](const std::string& s) {
      return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
    };
    for (const Recorded& r : records_) {
      rapidjson::Value v(rapidjson::kObjectType);
      v.AddMember("listener", text(r.listener), a);
      v.AddMember("method", text(r.method), a);
      v.AddMember("route", text(r.route), a);
      v.AddMember("label", text(r.label), a);
      v.AddMember("status", r.response.status, a);
      rapidjson::Value headers(rapidjson::kObjectType);
      for (const auto& [name, value] : r.response.headers) {
        headers.AddMember(text(name), text(value), a);
      }
      v.AddMember("headers", headers, a);
      v.AddMember("body", text(r.response.body), a);
      out.PushBack(v, a);
    }
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    out.Accept(writer);
    const fs::path file = dir_.write("records.json", buffer.GetString());
    const std::string command =
        sourcePath("tests/openapi/run.sh").string() + " contract " + file.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char chunk[4096];
    for (std::size_t got; (got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) {
      output.append(chunk, got);
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    // The checker ran over every answer (not an empty or unread file).
    EXPECT_NE(output.find(std::to_string(records_.size()) + " answers checked"), std::string::npos)
        << output;
    if (status == 0) std::printf("%s", output.c_str());
  }

  TempDir dir_{"fhirgw-contract"};
  std::unique_ptr<GatewayProcess> gateway_;
  std::string editorKey_;
  std::vector<Recorded> records_;
};

TEST_F(ContractTest, EveryAnswerOfBothListenersIsTheOneItsOpenApiDocumentDescribes) {
  // Health, metrics and the documents themselves.
  call("admin", "GET", "/health/live", "/health/live", "liveness");
  call("admin", "GET", "/health/ready", "/health/ready", "readiness");
  ASSERT_EQ(admin("GET", "/metrics", "/metrics", "scrape").status, 200);
  call("admin", "GET", "/metrics", "/metrics", "scrape without a token");
  for (const auto& [listener, prefix] : std::vector<std::pair<std::string, std::string>>{
           {"api", "/api/v1"}, {"admin", "/admin/v1"}}) {
    for (const std::string leaf : {"/openapi.json", "/docs", "/docs.js"}) {
      ASSERT_EQ(call(listener, "GET", prefix + leaf, prefix + leaf, "document").status, 200);
    }
  }

  // Clients and keys.
  const HttpResponse created = admin("POST", "/admin/v1/clients", "/admin/v1/clients",
                                     "create an editor", R"({"name": "editor", "role": "editor"})");
  ASSERT_EQ(created.status, 201) << created.body;
  editorKey_ = member(created.body, "key");
  const std::string clientId = member(created.body, "id");
  const HttpResponse throttled =
      admin("POST", "/admin/v1/clients", "/admin/v1/clients", "create a throttled editor",
            R"({"name": "slow editor", "role": "editor", "rateLimit": 1})");
  ASSERT_EQ(throttled.status, 201) << throttled.body;
  const HttpResponse adminClient =
      admin("POST", "/admin/v1/clients", "/admin/v1/clients", "create an admin",
            R"({"name": "operator", "role": "admin"})");
  ASSERT_EQ(adminClient.status, 201) << adminClient.body;
  EXPECT_EQ(admin("POST", "/admin/v1/clients", "/admin/v1/clients", "a client without a role",
                  R"({"name": "nobody"})")
                .status,
            422);
  EXPECT_EQ(admin("POST", "/admin/v1/clients", "/admin/v1/clients", "not JSON", "{").status, 400);
  EXPECT_EQ(call("admin", "POST", "/admin/v1/clients", "/admin/v1/clients", "text body", "x",
                 {{"Authorization", std::string("Bearer ") + kToken}}, "text/plain")
                .status,
            415);
  admin("GET", "/admin/v1/clients", "/admin/v1/clients", "list clients");
  admin("GET", "/admin/v1/clients/{id}", "/admin/v1/clients/" + clientId, "one client");
  EXPECT_EQ(admin("GET", "/admin/v1/clients/{id}", "/admin/v1/clients/no-such-client", "no client")
                .status,
            404);
  const HttpResponse key = admin("POST", "/admin/v1/clients/{id}/keys",
                                 "/admin/v1/clients/" + clientId + "/keys", "an extra key");
  ASSERT_EQ(key.status, 201) << key.body;
  admin("GET", "/admin/v1/clients/{id}/keys", "/admin/v1/clients/" + clientId + "/keys",
        "list keys");
  EXPECT_EQ(admin("DELETE", "/admin/v1/clients/{id}/keys/{keyId}",
                  "/admin/v1/clients/" + clientId + "/keys/" + member(key.body, "keyId"),
                  "revoke the extra key")
                .status,
            204);
  const std::string disabledId = member(throttled.body, "id");
  EXPECT_EQ(call("admin", "GET", "/admin/v1/clients", "/admin/v1/clients", "an editor's key", {},
                 {{"Authorization", "Bearer " + editorKey_}})
                .status,
            403);

  // The editor API with the specification's examples.
  const std::string full = readExample("teleconsultation-full.json");
  const HttpResponse accepted = editor("POST", "/api/v1/teleconsultations",
                                       "/api/v1/teleconsultations", "the full example", full);
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  const std::string recordId = member(accepted.body, "id");
  const HttpResponse replayed = editor("POST", "/api/v1/teleconsultations",
                                       "/api/v1/teleconsultations", "the full example again", full);
  EXPECT_EQ(replayed.status, 201);
  EXPECT_EQ(replayed.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations",
                   "the same externalId, another body",
                   replaceAll(full, R"("channel": "video")", R"("channel": "phone")"))
                .status,
            409);
  const std::string minimal = readExample("teleconsultation-minimal.json");
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations",
                   "the minimal example with an Idempotency-Key", minimal,
                   {{"Idempotency-Key", "contract-minimal-1"}})
                .status,
            201);
  const HttpResponse keyReplay =
      editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations", "its replay",
             minimal, {{"Idempotency-Key", "contract-minimal-1"}});
  EXPECT_EQ(keyReplay.status, 201);
  EXPECT_EQ(keyReplay.header("Idempotent-Replayed"), "true");
  const std::string refusedBody =
      replaceAll(replaceAll(full, R"("obtained": true)", R"("obtained": false)"), "LGC-2026-000123",
                 "LGC-CONTRACT-REFUSED");
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations",
                   "without consent", refusedBody)
                .status,
            422);
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations", "not JSON",
                   "{\"patient\":")
                .status,
            400);
  EXPECT_EQ(call("api", "POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations",
                 "text body", minimal, {{"Authorization", "Bearer " + editorKey_}}, "text/plain")
                .status,
            415);
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations", "too large",
                   std::string(300000, ' '))
                .status,
            413);
  EXPECT_EQ(call("api", "POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations", "no key",
                 minimal)
                .status,
            401);
  EXPECT_EQ(call("api", "POST", "/api/v1/teleconsultations", "/api/v1/teleconsultations",
                 "an admin token", minimal, {{"Authorization", std::string("Bearer ") + kToken}})
                .status,
            403);
  const std::string slowKey = "Bearer " + member(throttled.body, "key");
  call("api", "GET", "/api/v1/rules", "/api/v1/rules", "first call of a throttled client", {},
       {{"Authorization", slowKey}});
  const HttpResponse tooMany =
      call("api", "GET", "/api/v1/rules", "/api/v1/rules", "second call of a throttled client", {},
           {{"Authorization", slowKey}});
  EXPECT_EQ(tooMany.status, 429);
  EXPECT_FALSE(tooMany.header("Retry-After").empty());

  editor("GET", "/api/v1/teleconsultations/{id}", "/api/v1/teleconsultations/" + recordId,
         "the record");
  editor("GET", "/api/v1/teleconsultations/{id}", "/api/v1/teleconsultations/ext:LGC-2026-000123",
         "the record by its external id");
  EXPECT_EQ(editor("GET", "/api/v1/teleconsultations/{id}",
                   "/api/v1/teleconsultations/no-such-record", "no record")
                .status,
            404);
  editor("GET", "/api/v1/teleconsultations/{id}/fhir",
         "/api/v1/teleconsultations/" + recordId + "/fhir", "the bundle");
  const std::string sick = readExample("document-sick-leave-prolongation.json");
  EXPECT_EQ(
      editor("POST", "/api/v1/teleconsultations/{id}/documents",
             "/api/v1/teleconsultations/" + recordId + "/documents", "the sick-leave example", sick)
          .status,
      201);
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations/{id}/documents",
                   "/api/v1/teleconsultations/" + recordId + "/documents", "its replay", sick)
                .header("Idempotent-Replayed"),
            "true");
  EXPECT_EQ(editor("POST", "/api/v1/teleconsultations/{id}/documents",
                   "/api/v1/teleconsultations/no-such-record/documents", "to no record", sick)
                .status,
            404);
  EXPECT_EQ(editor("POST", "/api/v1/$validate", "/api/v1/$validate", "a dry run", minimal).status,
            200);
  const HttpResponse refusedRun =
      editor("POST", "/api/v1/$validate", "/api/v1/$validate", "a refused dry run", refusedBody);
  EXPECT_EQ(refusedRun.status, 200);
  EXPECT_NE(refusedRun.body.find(R"("valid":false)"), std::string::npos) << refusedRun.body;
  EXPECT_EQ(editor("POST", "/api/v1/$validate", "/api/v1/$validate", "a dry run without encounter",
                   R"({"patient": {"family": "X", "given": ["Y"], "birthDate": "1990-01-01",
                       "gender": "male"}})")
                .status,
            200);
  // More documents than limits.maxDocumentsPerRequest (3 here): refused before the rules.
  const std::string fourDocuments =
      minimal.substr(0, minimal.rfind('}')) + R"(, "documents": [{}, {}, {}, {}]})";
  EXPECT_EQ(editor("POST", "/api/v1/$validate", "/api/v1/$validate", "a dry run of 4 documents",
                   fourDocuments)
                .status,
            422);
  editor("GET", "/api/v1/rules", "/api/v1/rules?date=2026-11-20", "the rules of a day");
  EXPECT_EQ(
      editor("GET", "/api/v1/rules", "/api/v1/rules?date=20-11-2026", "a malformed date").status,
      400);
  call("api", "GET", "/fhir/metadata", "/fhir/metadata", "capabilities");
  const HttpResponse bundle =
      editor("GET", "/api/v1/teleconsultations/{id}/fhir",
             "/api/v1/teleconsultations/" + recordId + "/fhir", "the bundle with the document");
  EXPECT_EQ(call("api", "POST", "/fhir/$validate", "/fhir/$validate", "a FHIR bundle", bundle.body,
                 {{"Authorization", "Bearer " + editorKey_}}, "application/fhir+json")
                .status,
            200);

  // Practitioners' activity and the audit trail.
  EXPECT_EQ(admin("PUT", "/admin/v1/practitioners/{rpps}/activity",
                  "/admin/v1/practitioners/10003456786/activity", "a declaration",
                  R"({"year": 2026, "totalActs": 4200})")
                .status,
            200);
  EXPECT_EQ(admin("PUT", "/admin/v1/practitioners/{rpps}/activity",
                  "/admin/v1/practitioners/12345/activity", "a bad RPPS",
                  R"({"year": 2026, "totalActs": 4200})")
                .status,
            422);
  admin("GET", "/admin/v1/practitioners/{rpps}/activity",
        "/admin/v1/practitioners/10003456786/activity?year=2026", "the declaration");
  EXPECT_EQ(admin("GET", "/admin/v1/practitioners/{rpps}/activity",
                  "/admin/v1/practitioners/10003456786/activity", "without a year")
                .status,
            400);
  EXPECT_EQ(admin("GET", "/admin/v1/practitioners/{rpps}/activity",
                  "/admin/v1/practitioners/10003456786/activity?year=1999", "an undeclared year")
                .status,
            404);
  admin("GET", "/admin/v1/audit", "/admin/v1/audit?limit=50", "the audit trail");
  admin("GET", "/admin/v1/audit", "/admin/v1/audit?action=POST%20/api/v1/teleconsultations",
        "the audit trail of one action");
  EXPECT_EQ(
      admin("GET", "/admin/v1/audit", "/admin/v1/audit?since=yesterday", "a bad since").status,
      400);
  const HttpResponse latest =
      admin("GET", "/admin/v1/audit", "/admin/v1/audit?limit=2", "the latest two entries");
  const std::string auditLink = latest.header("Link");
  ASSERT_EQ(auditLink.rfind("</admin/v1/audit?", 0), 0u) << auditLink;
  admin("GET", "/admin/v1/audit", auditLink.substr(1, auditLink.find('>') - 1),
        "the two entries before them");
  EXPECT_EQ(
      admin("GET", "/admin/v1/audit", "/admin/v1/audit?cursor=soon", "a malformed cursor").status,
      400);
  EXPECT_EQ(admin("GET", "/admin/v1/audit", "/admin/v1/audit?after=3", "the paging of 0.1").status,
            400);

  // Deliveries.
  const HttpResponse deliveries =
      admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries", "all deliveries");
  rapidjson::Document list;
  list.Parse(deliveries.body.c_str());
  ASSERT_TRUE(list.IsArray() && !list.Empty()) << deliveries.body;
  const std::string deliveryId = list[0]["id"].GetString();
  admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries?status=pending&connector=outbox",
        "filtered deliveries");
  EXPECT_EQ(
      admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries?status=lost", "an unknown status")
          .status,
      400);
  admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries?record=" + recordId,
        "the deliveries of a record");
  const HttpResponse firstPage =
      admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries?limit=2", "a page of two");
  const std::string link = firstPage.header("Link");
  ASSERT_EQ(link.rfind("</admin/v1/deliveries?", 0), 0u) << link;
  const std::string next = link.substr(1, link.find('>') - 1);
  EXPECT_NE(next.find("limit=2"), std::string::npos) << next;
  admin("GET", "/admin/v1/deliveries", next, "the next page");
  EXPECT_EQ(
      admin("GET", "/admin/v1/deliveries", "/admin/v1/deliveries?cursor=soon", "a malformed cursor")
          .status,
      400);
  admin("GET", "/admin/v1/deliveries/{id}", "/admin/v1/deliveries/" + deliveryId, "one delivery");
  EXPECT_EQ(admin("GET", "/admin/v1/deliveries/{id}", "/admin/v1/deliveries/no-such-delivery",
                  "no delivery")
                .status,
            404);
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/{id}/retry",
                  "/admin/v1/deliveries/" + deliveryId + "/retry", "retry a live delivery")
                .status,
            409);
  admin("POST", "/admin/v1/deliveries/retry",
        "/admin/v1/deliveries/retry?connector=outbox&dryRun=true", "bulk retry's dry run");
  admin("POST", "/admin/v1/deliveries/retry", "/admin/v1/deliveries/retry?connector=outbox",
        "bulk retry");
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/retry", "/admin/v1/deliveries/retry?dryRun=1",
                  "a dry run that is not true or false")
                .status,
            400);
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/reroute", "/admin/v1/deliveries/reroute",
                  "reroute to an unknown instance", R"({"from": "outbox", "to": "nowhere"})")
                .status,
            422);

  // Records: identifiers and metadata, by id or by the editor's own id with its client.
  const HttpResponse record =
      admin("GET", "/admin/v1/records/{id}", "/admin/v1/records/" + recordId, "a record");
  EXPECT_EQ(record.status, 200) << record.body;
  for (const char* health : {"DURAND", "Marie", "279035121518989", "1979-03-12", "Lilas", "Reims",
                             "mssante.fr", "MARTIN", "LEROY"}) {
    EXPECT_EQ(record.body.find(health), std::string::npos) << health << " in " << record.body;
  }
  if (const char* out = std::getenv("FHIRGW_CONTRACT_RECORD_EXAMPLE")) {
    std::ofstream(out) << record.body;  // the OpenAPI document's example, refreshed by hand
  }
  EXPECT_EQ(admin("GET", "/admin/v1/records/{id}",
                  "/admin/v1/records/ext:LGC-2026-000123?client=" + clientId,
                  "a record by its external id")
                .status,
            200);
  EXPECT_EQ(admin("GET", "/admin/v1/records/{id}", "/admin/v1/records/ext:LGC-2026-000123",
                  "an external id without its client")
                .status,
            400);
  EXPECT_EQ(admin("GET", "/admin/v1/records/{id}",
                  "/admin/v1/records/" + recordId + "?client=" + disabledId,
                  "a record with another client")
                .status,
            404);
  EXPECT_EQ(admin("GET", "/admin/v1/records/{id}", "/admin/v1/records/no-such-record", "no record")
                .status,
            404);

  // Connectors.
  admin("GET", "/admin/v1/connectors", "/admin/v1/connectors", "all connectors");
  admin("GET", "/admin/v1/connectors/{id}", "/admin/v1/connectors/outbox", "the file's one");
  const std::string second = R"({"id": "second", "type": "file", "routes": ["encounter"],
      "options": {"directory": ")" +
                             (dir_.path() / "second").string() + R"("}})";
  const HttpResponse connector =
      admin("POST", "/admin/v1/connectors", "/admin/v1/connectors", "create a connector", second);
  ASSERT_EQ(connector.status, 201) << connector.body;
  EXPECT_EQ(
      admin("POST", "/admin/v1/connectors", "/admin/v1/connectors", "the same id again", second)
          .status,
      409);
  EXPECT_EQ(admin("POST", "/admin/v1/connectors", "/admin/v1/connectors", "a bad connector",
                  R"({"id": "bad", "type": "file", "routes": []})")
                .status,
            422);
  EXPECT_EQ(
      admin("POST", "/admin/v1/connectors/{id}/test", "/admin/v1/connectors/second/test", "test it")
          .status,
      200);
  const HttpResponse replaced =
      admin("PUT", "/admin/v1/connectors/{id}", "/admin/v1/connectors/second", "replace it",
            replaceAll(second, R"(["encounter"])", R"(["encounter", "dmp"])"),
            {{"If-Match", connector.header("ETag")}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(admin("PUT", "/admin/v1/connectors/{id}", "/admin/v1/connectors/second",
                  "replace it from a stale version", second, {{"If-Match", "\"1\""}})
                .status,
            409);
  EXPECT_EQ(admin("PUT", "/admin/v1/connectors/{id}", "/admin/v1/connectors/second",
                  "a malformed If-Match", second, {{"If-Match", "soon"}})
                .status,
            400);
  EXPECT_EQ(admin("DELETE", "/admin/v1/connectors/{id}", "/admin/v1/connectors/outbox",
                  "delete the file's one")
                .status,
            409);
  EXPECT_EQ(admin("DELETE", "/admin/v1/connectors/{id}", "/admin/v1/connectors/second", "delete it",
                  {}, {{"If-Match", replaced.header("ETag")}})
                .status,
            204);
  EXPECT_EQ(
      admin("GET", "/admin/v1/connectors/{id}", "/admin/v1/connectors/second", "deleted").status,
      404);

  // Encryption at rest (off here) and the last client operations.
  admin("GET", "/admin/v1/storage/encryption", "/admin/v1/storage/encryption", "encryption");
  EXPECT_EQ(admin("POST", "/admin/v1/storage/rotate", "/admin/v1/storage/rotate",
                  "a rotation without encryption")
                .status,
            422);
  EXPECT_EQ(admin("DELETE", "/admin/v1/clients/{id}", "/admin/v1/clients/" + disabledId,
                  "disable a client")
                .status,
            204);
  EXPECT_EQ(admin("POST", "/admin/v1/clients/{id}/keys",
                  "/admin/v1/clients/" + disabledId + "/keys", "a key for a disabled client")
                .status,
            409);
  EXPECT_EQ(call("admin", "DELETE", "/admin/v1/clients/{id}",
                 "/admin/v1/clients/" + member(adminClient.body, "id"), "disable oneself", {},
                 {{"Authorization", "Bearer " + member(adminClient.body, "key")}})
                .status,
            409);

  expectAllDocumented();
}

}  // namespace
}  // namespace fhirgw::testsupport::contract_test
