#pragma once
// The real SMTP server of the MSSanté tests (tests/connectors/smtp-peer/smtp_peer.py, Debian's
// python3-aiosmtpd): TLS with a client certificate required and verified against the test CA.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/peer_process.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::connectors::testsupport {

/// How the peer is started.
struct SmtpPeerOptions {
  bool implicitTls = false;  ///< smtps:// (465) instead of STARTTLS on smtp://
  std::string user;          ///< requires SMTP AUTH with this user when set
  std::string password;
};

/// One SMTP server on a free port of 127.0.0.1, with its own folder of received messages.
class SmtpPeer {
 public:
  explicit SmtpPeer(const SmtpPeerOptions& options = {})
      : options_(options), process_("/usr/bin/python3", arguments(), std::chrono::seconds(20)) {}

  int port() const { return process_.port(); }
  /// The URL a client configures.
  std::string url() const {
    return std::string(options_.implicitTls ? "smtps" : "smtp") +
           "://localhost:" + std::to_string(port());
  }
  /// What the server answers to RCPT and DATA from now on: a JSON object such as
  /// {"rcpt": "550 5.1.1 unknown"} or {"data": "451 4.3.0 later"}; "{}" accepts again.
  void setControl(const std::string& json) const { dir_.write("control.json", json); }
  /// The messages received, in order, as the server got them.
  std::vector<std::string> messages() const { return files(".eml"); }
  /// Their envelopes as JSON ({"from", "to", "clientCert"}), in the same order.
  std::vector<std::string> envelopes() const { return files(".json"); }
  /// How many connections reached the server (refused TLS handshakes included).
  int connections() const {
    const std::string events = fhirgw::testsupport::readFile(dir_.path() / "events.jsonl");
    int n = 0;
    for (std::size_t at = events.find("\"connect\""); at != std::string::npos;
         at = events.find("\"connect\"", at + 1)) {
      ++n;
    }
    return n;
  }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> arguments() const {
    std::vector<std::string> args = {
        fhirgw::testsupport::sourcePath("tests/connectors/smtp-peer/smtp_peer.py").string(),
        "--pki",
        fhirgw::testsupport::testPkiDir().string(),
        "--dir",
        dir_.str(),
        "--tls",
        options_.implicitTls ? "implicit" : "starttls"};
    if (!options_.user.empty()) {
      args.insert(args.end(), {"--user", options_.user, "--password-file",
                               dir_.write("password", options_.password).string()});
    }
    return args;
  }
  std::vector<std::string> files(const std::string& suffix) const {
    std::vector<std::string> out;
    for (int n = 1;; ++n) {
      const auto path = dir_.path() / "messages" / (std::to_string(n) + suffix);
      if (!std::filesystem::exists(path)) break;
      out.push_back(fhirgw::testsupport::readFile(path));
    }
    return out;
  }

  SmtpPeerOptions options_;
  fhirgw::testsupport::TempDir dir_;  // before process_: the peer writes into it
  fhirgw::testsupport::PeerProcess process_;
};

}  // namespace fhirgw::connectors::testsupport
