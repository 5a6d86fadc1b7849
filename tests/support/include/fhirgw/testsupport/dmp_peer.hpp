#pragma once
// The strict local DMP of the dmp-xds tests (tests/connectors/dmp-peer, Node 20 + xml-crypto):
// an IHE XDS.b ITI-41 repository over HTTPS on 127.0.0.1 that requires a client certificate from
// the test CA, checks MIME/XOP, SOAP 1.2, WS-Addressing, the VIHF and XAdES signatures, the
// schemas, the metadata and (optionally) the ANS schematrons, and answers real RegistryResponses.
// Its rules and error codes: tests/connectors/dmp-peer/README.md.

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/peer_process.hpp"

namespace fhirgw::testsupport {

/// How the peer is started.
struct DmpPeerOptions {
  /// Runs the ANS schematrons (IHE, minimal structuring, TLM-CR) over every received CDA with
  /// Saxon: tens of seconds per request, so only for the tests that need it.
  bool schematron = false;
  /// The only certificate accepted for the VIHF and XAdES signatures (still required to chain to
  /// the test CA). Empty: <test PKI>/sign.pem when it exists, else any certificate the test CA
  /// issued.
  std::filesystem::path signCertificate;
  /// How far the XAdES SigningTime may be from now; 0 s: not checked (a retry that keeps the
  /// first attempt's signing time, or a connector under a test clock).
  std::chrono::seconds signingTimeWindow{300};
};

/// One request as the peer's journal records it (journal.jsonl, one JSON line per request).
struct DmpJournalEntry {
  int n = 0;              ///< request number, from 1 (request-<n>.bin holds its body)
  std::string response;   ///< Success, Failure, PartialSuccess, fault:Sender:<subcode>,
                          ///< fault:Receiver, http:<status>, reset
  bool accepted = false;  ///< answered Success
  /// Every violated rule: {error code, context naming the rule}.
  std::vector<std::pair<std::string, std::string>> errors;
  std::string messageId;
  std::string submissionSetUniqueId;
  std::vector<std::string> documentUniqueIds;
  std::string patientIdSha256;  ///< SHA-256 hex of the SubmissionSet patientId (never the INS)
  std::string bodySha256;
  std::string json;  ///< the line itself

  /// Whether some error has this code.
  bool hasError(const std::string& code) const;
};

/// The peer on a free port of 127.0.0.1, with its own folder (control.json, journal.jsonl,
/// request-<n>.bin and request-<n>.headers.json).
class DmpPeer {
 public:
  explicit DmpPeer(const DmpPeerOptions& options = {});

  int port() const { return process_.port(); }
  /// The ITI-41 endpoint: https://localhost:<port>/si-dmp-server/v2/services/repository.
  std::string url() const;
  /// The base a dmp-xds connector configures (url() without "/repository").
  std::string baseUrl() const;
  /// The fault the peer plays from the next request on, read at each request; replaced
  /// atomically. "{}" answers by the checks again. Modes (README.md):
  /// {"status":"Failure","errorCode":"XDSRepositoryBusy"}, {"soapFault":"Receiver"|"Sender"},
  /// {"http":503,"retryAfter":2}, {"delayMs":N}, {"reset":true}; "times":N limits any of them to
  /// the next N requests; "responseMtom":false answers plain application/soap+xml.
  void setControl(const std::string& json) const;
  /// The journal, in order.
  std::vector<DmpJournalEntry> journal() const;
  /// How many HTTP requests reached the peer.
  int requests() const { return static_cast<int>(journal().size()); }
  /// How many TLS handshakes it refused (no client certificate, an untrusted one).
  int refusedHandshakes() const;
  /// The raw body of request n (from 1).
  std::string requestBody(int n) const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> arguments(const DmpPeerOptions& options) const;

  TempDir dir_;  // before process_: the peer writes into it
  PeerProcess process_;
};

}  // namespace fhirgw::testsupport
