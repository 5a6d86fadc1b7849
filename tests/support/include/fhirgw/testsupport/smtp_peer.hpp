#pragma once
// The real SMTP server of the MSSanté tests (tests/connectors/smtp-peer/smtp_peer.py, Debian's
// python3-aiosmtpd): TLS with a client certificate required and verified against the test CA.
// Shared by the connector tests and the gateway's integration tests.

#include <rapidjson/document.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/peer_process.hpp"

namespace fhirgw::testsupport {

/// How the peer is started.
struct SmtpPeerOptions {
  bool implicitTls = false;  ///< smtps:// (465) instead of STARTTLS on smtp://
  std::string user;          ///< requires SMTP AUTH with this user when set
  std::string password;
};

/// One SMTP server on a free port of 127.0.0.1, with its own folder of received messages.
class SmtpPeer {
 public:
  explicit SmtpPeer(const SmtpPeerOptions& options = {});

  int port() const { return process_.port(); }
  /// The URL a client configures.
  std::string url() const;
  /// What the server answers to RCPT and DATA from now on: a JSON object such as
  /// {"rcpt": "550 5.1.1 unknown"} or {"data": "451 4.3.0 later"}; "{}" accepts again;
  /// {"acceptDelayMs": 300} answers 250 that long after keeping a message. Replaced
  /// atomically: the server, reading it at every command, never sees half a file.
  void setControl(const std::string& json) const;
  /// The messages received, in order, as the server got them.
  std::vector<std::string> messages() const { return files(".eml"); }
  /// Their envelopes as JSON ({"from", "to", "clientCert"}), in the same order.
  std::vector<std::string> envelopes() const { return files(".json"); }
  /// How many connections reached the server (refused TLS handshakes included).
  int connections() const;
  /// The server's events.jsonl: one JSON line per connection ("connect"), refused command,
  /// accepted message ("accepted") and QUIT ({"event": "quit", "clientCert": CN or null}).
  std::string events() const;
  /// Received message n (from 1) as read by tests/connectors/smtp-peer/inspect_message.py:
  /// Python's email and zipfile, xmllint against the ebRS 3.0 lcm.xsd of ../shared/reference.
  rapidjson::Document inspect(int n) const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> arguments() const;
  std::vector<std::string> files(const std::string& suffix) const;

  SmtpPeerOptions options_;
  TempDir dir_;  // before process_: the peer writes into it
  PeerProcess process_;
};

}  // namespace fhirgw::testsupport
