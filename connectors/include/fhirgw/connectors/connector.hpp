#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "fhirgw/connectors/delivery_payload.hpp"

namespace fhirgw::connectors {

/// Whether a failed attempt is worth retrying unchanged.
enum class ErrorClass {
  kTransient,  ///< connect errors, timeouts, HTTP 408/429/5xx, disk errors: retried with backoff
  kPermanent,  ///< HTTP 4xx, refused payloads or URLs: straight to dead
};

/// "transient" or "permanent" (the text logs and attempt rows carry).
std::string_view errorClassName(ErrorClass errorClass);
/// Parses an errorClassName(); nullopt otherwise.
std::optional<ErrorClass> parseErrorClass(std::string_view text);

/// The outcome of one delivery attempt. Messages are for operators: ids, statuses, error names,
/// never payload content; they are kept in the attempt row (they may name a peer's host).
struct DeliveryResult {
  std::optional<ErrorClass> errorClass;            ///< empty when delivered
  std::optional<int> httpStatus;                   ///< the peer's status, when there was an answer
  std::optional<std::chrono::seconds> retryAfter;  ///< the peer's Retry-After, when given
  std::string message;
  /// What failed, as a short fixed code that logs may carry ("http-503", "unavailable",
  /// "invalid-bundle", "file-io"...): never health data, a host or an address. Empty: the
  /// engine logs the error class.
  std::string reason;

  bool delivered() const { return !errorClass.has_value(); }
  /// This result with its reason code set.
  DeliveryResult because(std::string_view code) &&;

  /// The peer accepted the payload.
  static DeliveryResult success(std::optional<int> httpStatus = std::nullopt);
  /// Worth retrying unchanged later.
  static DeliveryResult transient(std::string message, std::optional<int> httpStatus = std::nullopt,
                                  std::optional<std::chrono::seconds> retryAfter = std::nullopt);
  /// Will fail again until something changes: the delivery goes to dead.
  static DeliveryResult permanent(std::string message,
                                  std::optional<int> httpStatus = std::nullopt);
};

/// What a connection test of an instance found (`POST /admin/v1/connectors/{id}/test`): a real
/// connection and TLS handshake, or SMTP EHLO + STARTTLS, with nothing sent. For the admin: no
/// secret, no health data.
struct ProbeResult {
  bool ok = false;
  /// How a delivery failing this way would be judged; empty when ok or when nothing was tried.
  std::optional<ErrorClass> errorClass;
  /// A short fixed code when not ok: "tls-handshake", "connect", "resolve", "timeout",
  /// "address-not-allowed", "starttls-not-offered", "auth-refused", "url-refused",
  /// "not-writable", "no-fixed-endpoint", "not-supported", "cancelled", "transport".
  std::string reason;
  std::string message;   ///< what happened, for the admin
  std::string endpoint;  ///< what was probed: scheme://host:port, or the folder

  /// Not ok, with its class, reason code and message.
  static ProbeResult failed(std::optional<ErrorClass> errorClass, std::string reason,
                            std::string message, std::string endpoint = {});
};

/// How a connector finds its peer, which routing needs to know.
enum class Addressing {
  kFixed,           ///< its own configured endpoint or folder
  kFhirEndpoint,    ///< the recipient's FHIR endpoint (Delivery::target)
  kMssanteAddress,  ///< the recipient's MSSanté mailbox (Delivery::target, or the patient's)
};

/// One configured connector instance: turns payloads into its wire format and sends them.
/// Options are fixed at construction; deliver() may run on several worker threads at once.
class Connector {
 public:
  virtual ~Connector() = default;
  /// The connector type ("file", "fhir-rest", "mhd").
  virtual std::string_view type() const = 0;
  /// How it addresses its peer.
  virtual Addressing addressing() const { return Addressing::kFixed; }
  /// Whether a recipient address (Delivery::target) is one this instance would send to, e.g. a
  /// FHIR endpoint under its allowedEndpoints. Routing asks before queueing a delivery that
  /// could never succeed; deliver() checks again.
  virtual bool acceptsTarget(std::string_view /*target*/) const { return true; }
  /// Whether this instance sends documents of a kind ("report", "prescription", "sick-leave"),
  /// e.g. the DMP's sick-leave copy is opt-in. Routing records the others as skipped
  /// (`document-kind-not-sent`); deliver() checks again.
  virtual bool acceptsDocumentKind(std::string_view /*kind*/) const { return true; }
  /// Sends one payload. Never throws. A stop request (bounded shutdown) aborts network I/O
  /// promptly; the result is then transient.
  virtual DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) = 0;
  /// Tests the connection to the instance's endpoint with its own settings (CA pin, client
  /// certificate, address policy) and sends nothing. Never throws; a stop request aborts it.
  /// The default: not ok, reason "not-supported".
  virtual ProbeResult probe(std::stop_token stop) const;
};

}  // namespace fhirgw::connectors
