#pragma once

// Shared by the connectors tests: temporary folders, hand-written stored FHIR resources of one
// record, a store with such a record, the test PKI, and a local HTTPS peer requiring a client
// certificate.

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/connectors/delivery_payload.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/store/submission.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_clock.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::connectors::testsupport {

// Shared with the other test folders (tests/support).
using fhirgw::testsupport::TempDir;
using fhirgw::testsupport::testPkiDir;
using fhirgw::testsupport::testStart;

/// Ids of the sample record, its two documents and its resources.
struct SampleIds {
  std::string recordId = "rec-1";
  std::string documentId = "doc-1";
  std::string otherDocumentId = "doc-2";
  std::string patient = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0001";
  std::string practitioner = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0002";
  std::string organization = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0003";
  std::string encounter = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0004";
  std::string chargeItem = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0005";
  std::string provenance = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0006";
  std::string auditEvent = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0007";
  std::string documentReference = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0008";
  std::string binary = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0009";
  std::string otherDocumentReference = "0b6f0c4e-6a4e-4d4c-9e55-1a6d3a1f0010";
};

/// A delivery of one document of the mapper's full example (tests/data/fhir/full-example): the
/// resources the gateway really stores, selected for the document as the engine does
/// (addPayloadResources). Documents: "doc-cr" (the text report), "doc-ord" (the prescription),
/// "doc-aat" (the sick-leave notice). `withIns` false drops the Patient's identifiers.
DeliveryPayload fullExamplePayload(const std::string& destination,
                                   std::optional<std::string> target, bool withIns = true,
                                   const std::string& documentId = "doc-cr");

/// The INS of the sample patient (a test value).
inline constexpr const char* kSampleIns = "279035121518989";

/// A teleconsultation as the mapper might store it: Patient (qualified INS), Practitioner,
/// Organization, Encounter, ChargeItem (decimal 25.00), Provenance, AuditEvent at record level;
/// a report (DocumentReference + Binary) for documentId; and a DocumentReference of
/// otherDocumentId. `withIns` false drops the patient's INS.
std::vector<store::FhirResource> sampleResources(const SampleIds& ids = {}, bool withIns = true);

/// The same resources for a submission.
std::vector<store::NewFhirResource> sampleNewResources(const SampleIds& ids = {});

/// The sample record as a submission of `clientId`, without deliveries: the record (request hash
/// `requestHash`), two reports (documentId and otherDocumentId) and sampleNewResources(ids).
store::Submission sampleSubmission(const SampleIds& ids, std::string requestHash,
                                   std::string clientId = "c-1");

/// One request the test peer received.
struct ReceivedRequest {
  std::string method;
  std::string uri;
  std::string contentType;
  std::string authorization;
  std::string requestId;  ///< X-Request-ID
  std::string body;
  int clientPort = 0;  ///< the same port twice means the connection was reused
};

/// A local HTTPS peer on 127.0.0.1 (port 0) that requires a client certificate signed by the
/// test CA. Each request is recorded, then answered by the handler.
class TestHttpsServer {
 public:
  using Handler =
      std::function<void(const ReceivedRequest&, Poco::Net::HTTPServerResponse&, int index)>;
  explicit TestHttpsServer(Handler handler);
  ~TestHttpsServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "/fhir") const;
  std::vector<ReceivedRequest> requests() const;
  std::size_t requestCount() const;
  /// Waits until `n` requests have arrived (false after the timeout).
  bool waitForRequests(std::size_t n, std::chrono::milliseconds timeout);
  /// For slow-peer handlers: blocks until release() (or the server stops).
  void holdUntilReleased();
  void release();

 private:
  class Factory;
  friend class Factory;
  void record(ReceivedRequest request, int& index);

  Handler handler_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ReceivedRequest> requests_;
  bool released_ = false;
};

/// A TestHttpsServer handler's answer: the status and a FHIR JSON body.
void answer(Poco::Net::HTTPServerResponse& response, int status, const std::string& body = "{}");

}  // namespace fhirgw::connectors::testsupport
