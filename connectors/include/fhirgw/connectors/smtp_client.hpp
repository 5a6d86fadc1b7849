#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/address_policy.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"

namespace fhirgw::connectors {
namespace detail {
class CurlHandlePool;
}

/// Transport settings of one connector's outbound SMTP (checked once, at start-up).
struct SmtpClientOptions {
  /// `smtp://host:587` (STARTTLS, required: the session never goes on in clear) or
  /// `smtps://host:465` (implicit TLS). No path, query, user info or fragment.
  std::string url;
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds timeout{60000};  ///< the whole session, connect included
  std::string caFile;                 ///< PEM CAs trusted for the server; empty: the system store
  std::string clientCertificateFile;  ///< PEM certificate of the application mailbox, with its key
  std::string clientKeyFile;
  std::string username;  ///< SMTP AUTH when not empty
  std::string password;  ///< from passwordFile or the inline password option; never logged
  /// Which addresses the mail server may have, checked on each socket curl opens. Public
  /// addresses only by default.
  common::AddressPolicy addressPolicy = common::AddressPolicy::publicOnly();
};

/// One message to send: the envelope (MAIL FROM, RCPT TO) and the RFC 5322 text.
struct SmtpEnvelope {
  std::string from;
  std::vector<std::string> recipients;
};

/// What came of one SMTP session.
struct SmtpResult {
  /// Set when the session failed without an SMTP refusal to judge it by: connect, TLS (a client
  /// certificate the server refuses ends here), timeout, stop request, a refused URL, an address
  /// refused by the address policy (kPermissionDenied, before any connect).
  std::optional<common::Status> transportError;
  /// The server's last reply code (250 when the message was accepted; 0 when none came).
  int replyCode = 0;
  /// That reply's text, safe to record: addresses and long digit runs removed, shortened.
  std::string reply;
  /// The server took the message (250 after the end of DATA).
  bool accepted() const { return !transportError && replyCode >= 200 && replyCode < 300; }
};

/// Outbound SMTP over libcurl for secure messaging: TLS 1.2+ always (STARTTLS required on
/// smtp://, implicit on smtps://), server certificate and host name always verified against the
/// pinned CA file, the application mailbox's client certificate, SMTP AUTH when configured,
/// connect and total timeouts, no proxy. Connections are reused: each worker takes an idle curl
/// handle from a small pool. Thread-safe.
class SmtpClient {
 public:
  /// Checks the URL and the files and builds the client (kInvalidArgument naming the problem).
  static common::Result<std::unique_ptr<SmtpClient>> create(SmtpClientOptions options);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  /// Sends one message to every recipient of the envelope; the session fails as a whole when
  /// a recipient is refused (one delivery sends to one recipient). Never throws.
  SmtpResult send(const SmtpEnvelope& envelope, std::string_view message,
                  std::stop_token stop = {});

  /// Connection test: connect, greeting, EHLO, STARTTLS (or implicit TLS with smtps) with the
  /// client certificate, EHLO again and AUTH when configured, then QUIT, on a connection of its
  /// own; no MAIL command, nothing sent. `endpoint` is the server's smtp(s)://host:port.
  ProbeResult probe(std::stop_token stop = {});

  const SmtpClientOptions& options() const { return options_; }

 private:
  explicit SmtpClient(SmtpClientOptions options);
  SmtpClientOptions options_;
  std::unique_ptr<detail::CurlHandlePool> pool_;
};

/// A server reply made safe to keep in an attempt row or a log: everything between `<` and `>`
/// and every word with an `@` become `<address>`, runs of 10 or more digits (an INS, a phone
/// number) become `#`, control characters go, and the text is cut at 200 characters.
std::string scrubSmtpReply(std::string_view reply);

/// Classifies an SMTP session (connectors.md): accepted is delivered; a 4xx reply transient; a
/// 5xx reply permanent, with the scrubbed reply in the message; transport errors transient,
/// except a refused URL and an address the policy refused (permanent, "address-not-allowed").
DeliveryResult classifySmtp(const SmtpResult& result);

}  // namespace fhirgw::connectors
