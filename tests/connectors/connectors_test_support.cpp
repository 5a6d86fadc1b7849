#include "connectors_test_support.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <rapidjson/document.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::connectors::testsupport {

namespace fs = std::filesystem;

DeliveryPayload fullExamplePayload(const std::string& destination,
                                   std::optional<std::string> target, bool withIns,
                                   const std::string& documentId) {
  const std::string bundleText = fhirgw::testsupport::readFile(
      fhirgw::testsupport::sourcePath("tests/data/fhir/full-example/expected.fhir.json"));
  rapidjson::Document bundle;
  bundle.Parse(bundleText.c_str());
  if (bundle.HasParseError()) throw std::runtime_error("full-example is not JSON");
  // Which document each document-level resource belongs to, by its id.
  const std::map<std::string, std::string> documentOf = {
      {"619a03de-3f18-5152-9572-fe61b89a936a", "doc-cr"},
      {"0ec23095-5e70-5e4f-b7f3-d4a959a60e5d", "doc-cr"},
      {"3801af37-1bfd-5073-9513-dcfee8dbe2d7", "doc-ord"},
      {"38eaad94-3691-526b-bdf2-dae08140b870", "doc-ord"},
      {"06c97410-68c7-5b68-b1cf-c8cc45bde9b0", "doc-ord"},
      {"1b78336d-49e5-5048-bd4c-0205fefeb449", "doc-aat"},
      {"d82e5e21-79ea-53d3-a2e9-db2d177526c3", "doc-aat"},
      {"6181d240-d65b-539e-8ccf-f5fba391bbd2", "doc-aat"}};
  std::vector<PayloadResource> resources;
  for (auto& entry : bundle["entry"].GetArray()) {
    auto& r = entry["resource"];
    if (!withIns && std::string(r["resourceType"].GetString()) == "Patient") {
      r.RemoveMember("identifier");
    }
    PayloadResource resource;
    resource.resourceType = r["resourceType"].GetString();
    resource.resourceId = r["id"].GetString();
    if (auto it = documentOf.find(resource.resourceId); it != documentOf.end()) {
      resource.documentId = it->second;
    }
    resource.json = common::toJsonString(r);
    resources.push_back(std::move(resource));
  }
  DeliveryPayload payload;
  payload.deliveryId = "7f0c2a8e-1b3d-4c5e-8f90-a1b2c3d4e5f6";
  payload.recordId = "rec-1";
  payload.documentId = documentId;
  payload.destination = destination;
  payload.target = std::move(target);
  payload.createdAt = testStart();
  if (!addPayloadResources(payload, resources).isOk()) {
    throw std::runtime_error("the full example's resources cannot be selected");
  }
  return payload;
}

std::vector<store::FhirResource> sampleResources(const SampleIds& ids, bool withIns) {
  const std::string patientRef = "Patient/" + ids.patient;
  const std::string practitionerRef = "Practitioner/" + ids.practitioner;
  const std::string insIdentifier =
      withIns
          ? R"("identifier":[{"use":"official","type":{"coding":[{"system":"https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203","code":"INS-NIR"}]},"system":"urn:oid:1.2.250.1.213.1.4.8","value":")" +
                std::string(kSampleIns) + R"("}],)"
          : std::string();
  std::vector<store::FhirResource> out;
  const auto add = [&](std::optional<std::string> doc, std::string type, std::string id,
                       std::string json) {
    out.push_back(
        {ids.recordId, std::move(doc), std::move(type), std::move(id), 1, std::move(json)});
  };
  add(std::nullopt, "Patient", ids.patient,
      R"({"resourceType":"Patient","id":")" + ids.patient + R"(",)" + insIdentifier +
          R"("name":[{"use":"official","family":"DUPONT","given":["Marie","Claire"]}],"gender":"female","birthDate":"1979-03-12"})");
  add(std::nullopt, "Practitioner", ids.practitioner,
      R"({"resourceType":"Practitioner","id":")" + ids.practitioner +
          R"(","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810000000001"}],"name":[{"family":"MARTIN","given":["Paul"]}]})");
  add(std::nullopt, "Organization", ids.organization,
      R"({"resourceType":"Organization","id":")" + ids.organization +
          R"(","identifier":[{"system":"https://finess.esante.gouv.fr","value":"750000001"}],"name":"Cabinet Martin"})");
  add(std::nullopt, "Encounter", ids.encounter,
      R"({"resourceType":"Encounter","id":")" + ids.encounter +
          R"(","identifier":[{"system":"https://fhir-gateway.fr/fhir/id/encounter","value":")" +
          ids.recordId +
          R"("}],"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"VR"},"subject":{"reference":")" +
          patientRef + R"("},"participant":[{"individual":{"reference":")" + practitionerRef +
          R"("}}],"period":{"start":"2026-03-02T09:00:00+01:00","end":"2026-03-02T09:20:00+01:00"},"serviceProvider":{"reference":"Organization/)" +
          ids.organization + R"("}})");
  add(std::nullopt, "ChargeItem", ids.chargeItem,
      R"({"resourceType":"ChargeItem","id":")" + ids.chargeItem +
          R"(","status":"billable","code":{"coding":[{"system":"https://fhir-gateway.fr/fhir/CodeSystem/ngap","code":"TCG"}]},"subject":{"reference":")" +
          patientRef + R"("},"context":{"reference":"Encounter/)" + ids.encounter +
          R"("},"priceOverride":{"value":25.00,"currency":"EUR"}})");
  add(std::nullopt, "Provenance", ids.provenance,
      R"({"resourceType":"Provenance","id":")" + ids.provenance +
          R"(","target":[{"reference":"Encounter/)" + ids.encounter +
          R"("}],"recorded":"2026-03-02T09:21:00+01:00","agent":[{"who":{"reference":")" +
          practitionerRef + R"("}}]})");
  add(std::nullopt, "AuditEvent", ids.auditEvent,
      R"({"resourceType":"AuditEvent","id":")" + ids.auditEvent +
          R"(","type":{"system":"http://terminology.hl7.org/CodeSystem/audit-event-type","code":"rest"},"recorded":"2026-03-02T09:21:00+01:00","agent":[{"requestor":true}],"source":{"observer":{"display":"fhir-gateway"}}})");
  add(ids.documentId, "DocumentReference", ids.documentReference,
      R"({"resourceType":"DocumentReference","id":")" + ids.documentReference +
          R"(","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"11488-4"}]},"category":[{"coding":[{"system":"https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument","code":"10"}]}],"subject":{"reference":")" +
          patientRef + R"("},"date":"2026-03-02T09:20:00+01:00","author":[{"reference":")" +
          practitionerRef + R"("}],"custodian":{"reference":"Organization/)" + ids.organization +
          R"("},"securityLabel":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]}],"content":[{"attachment":{"contentType":"application/pdf","url":"Binary/)" +
          ids.binary +
          R"(","size":9,"hash":"lWB7AtSKeGy3hol9cnEU/HmBSx4=","title":"Compte rendu"}}],"context":{"encounter":[{"reference":"Encounter/)" +
          ids.encounter + R"("}],"period":{"start":"2026-03-02T09:00:00+01:00"}}})");
  add(ids.documentId, "Binary", ids.binary,
      R"({"resourceType":"Binary","id":")" + ids.binary +
          R"(","contentType":"application/pdf","data":"JVBERi0xLjQK"})");
  add(ids.otherDocumentId, "DocumentReference", ids.otherDocumentReference,
      R"({"resourceType":"DocumentReference","id":")" + ids.otherDocumentReference +
          R"(","status":"current","subject":{"reference":")" + patientRef +
          R"("},"content":[{"attachment":{"contentType":"text/plain","data":"b2s="}}]})");
  return out;
}

std::vector<store::NewFhirResource> sampleNewResources(const SampleIds& ids) {
  std::vector<store::NewFhirResource> out;
  for (auto& r : sampleResources(ids)) {
    out.push_back({r.documentId, r.resourceType, r.resourceId, r.version, r.json});
  }
  return out;
}

store::Submission sampleSubmission(const SampleIds& ids, std::string requestHash,
                                   std::string clientId) {
  store::Submission sub;
  sub.clientId = std::move(clientId);
  sub.recordId = ids.recordId;
  store::NewRecord record;
  record.requestHash = std::move(requestHash);
  record.body = "{}";
  record.outcome = "{}";
  record.practitionerRpps = "10000000001";
  record.encounterYear = 2026;
  sub.record = record;
  sub.documents.push_back({ids.documentId, std::nullopt, "report", "dh", "{}", "{}"});
  sub.documents.push_back({ids.otherDocumentId, std::nullopt, "report", "dh2", "{}", "{}"});
  sub.resources = sampleNewResources(ids);
  return sub;
}

// ---- the HTTPS peer --------------------------------------------------------------------------

namespace {

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RecordingHandler(
      const std::function<void(ReceivedRequest, Poco::Net::HTTPServerResponse&)>& fn)
      : fn_(fn) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ReceivedRequest r;
    r.method = request.getMethod();
    r.uri = request.getURI();
    r.contentType = request.getContentType();
    r.authorization = request.get("Authorization", "");
    r.requestId = request.get("X-Request-ID", "");
    r.clientPort = request.clientAddress().port();
    Poco::StreamCopier::copyToString(request.stream(), r.body);
    fn_(std::move(r), response);
  }

 private:
  const std::function<void(ReceivedRequest, Poco::Net::HTTPServerResponse&)>& fn_;
};

}  // namespace

class TestHttpsServer::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(TestHttpsServer& server)
      : server_(server), fn_([this](ReceivedRequest r, Poco::Net::HTTPServerResponse& response) {
          int index = 0;
          ReceivedRequest copy = r;
          server_.record(std::move(r), index);
          server_.handler_(copy, response, index);
        }) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RecordingHandler(fn_);
  }

 private:
  TestHttpsServer& server_;
  std::function<void(ReceivedRequest, Poco::Net::HTTPServerResponse&)> fn_;
};

TestHttpsServer::TestHttpsServer(Handler handler) : handler_(std::move(handler)) {
  Poco::Net::initializeSSL();
  const fs::path pki = testPkiDir();
  Poco::Net::Context::Params params;
  params.certificateFile = (pki / "server.pem").string();
  params.privateKeyFile = (pki / "server.key").string();
  params.caLocation = (pki / "ca.pem").string();
  params.loadDefaultCAs = false;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;  // a client certificate is required
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  ctx->enableExtendedCertificateVerification(false);
  Poco::Net::SecureServerSocket socket(ctx);
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  socket.listen(16);
  port_ = socket.address().port();
  auto* serverParams = new Poco::Net::HTTPServerParams;
  serverParams->setMaxThreads(4);
  serverParams->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, serverParams);
  server_->start();
}

TestHttpsServer::~TestHttpsServer() {
  release();
  server_->stopAll(true);
  server_.reset();
  Poco::Net::uninitializeSSL();
}

std::string TestHttpsServer::url(const std::string& path) const {
  return "https://localhost:" + std::to_string(port_) + path;
}

void TestHttpsServer::record(ReceivedRequest request, int& index) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
    index = static_cast<int>(requests_.size()) - 1;
  }
  cv_.notify_all();
}

std::vector<ReceivedRequest> TestHttpsServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t TestHttpsServer::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

bool TestHttpsServer::waitForRequests(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void TestHttpsServer::holdUntilReleased() {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
}

void TestHttpsServer::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  cv_.notify_all();
}

void answer(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/fhir+json");
  response.sendBuffer(body.data(), body.size());
}

}  // namespace fhirgw::connectors::testsupport
