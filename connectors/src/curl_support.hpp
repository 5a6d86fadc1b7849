#pragma once
// What the HTTP and SMTP transports share on libcurl: the one global initialisation, a pool of
// idle easy handles, the TLS files' checks and the TLS options set on every transfer.
#include <curl/curl.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/address_policy.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/connector.hpp"

namespace fhirgw::connectors::detail {

/// curl_global_init, once per process, before any worker uses curl (it is not thread-safe).
void curlGlobalInitOnce();

/// Idle easy handles: a handle keeps its connection and TLS session caches, so taking an idle
/// one reuses its connection. Thread-safe.
class CurlHandlePool {
 public:
  explicit CurlHandlePool(std::size_t maxIdle) : maxIdle_(maxIdle) {}
  ~CurlHandlePool();
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  /// An idle handle, or a new one (nullptr when curl cannot make one).
  CURL* take();
  /// Back to the pool, or cleaned up when the pool is full.
  void give(CURL* handle);

 private:
  std::size_t maxIdle_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

/// The TLS files of a transport: the pinned CA bundle and the client certificate and key.
struct TlsFiles {
  const std::string& caFile;
  const std::string& clientCertificateFile;
  const std::string& clientKeyFile;
};

/// Each given file is readable, and the certificate and key come together (kInvalidArgument
/// naming the key otherwise).
common::Status checkTlsFiles(const TlsFiles& files);

/// A failed transfer in the status vocabulary: a refused URL is kInvalidArgument, a timeout
/// kDeadlineExceeded, a stop request kAborted, anything else (connect, TLS, STARTTLS not offered,
/// transport) kUnavailable. `message` is curl's text for the code, with whatever detail the
/// caller may show.
common::Status curlTransportError(CURLcode code, const std::string& message);

/// The outbound address policy of one transfer, reached from curl's open-socket callback: every
/// socket curl opens (each address of a host name, the proxy's when one is set) is judged by the
/// address it is about to connect to, so DNS rebinding cannot pass.
struct SocketGuard {
  const common::AddressPolicy* policy = nullptr;
  std::string_view refusedClass;  ///< the class of the last address refused; empty when none
  int refused = 0;                ///< sockets refused by the policy
  int opened = 0;                 ///< sockets opened (the address passed)

  /// True when the policy refused every address curl tried: the transfer failed because of it.
  bool refusedAll() const { return refused > 0 && opened == 0; }
};

/// Installs the guard's open-socket callback on the handle (again after each curl_easy_reset).
void installSocketGuard(CURL* handle, SocketGuard& guard);

/// kPermissionDenied naming the refused class (never the address or the URL): "connection
/// refused by the outbound address policy: the address is loopback (allow it with
/// allowedPrivateNetworks)".
common::Status addressRefused(std::string_view refusedClass);

/// What a connection test's transfer came to (CURLOPT_CONNECT_ONLY): ok, or the reason code,
/// class and message of its failure. `detail` is the text the caller may show with curl's own
/// (its error buffer for HTTP). TLS handshake, STARTTLS, login and address-policy failures are
/// permanent (an admin must change something); connect, resolve and timeouts transient.
ProbeResult probeOutcome(CURLcode code, const SocketGuard& guard, const std::string& detail,
                         std::string endpoint);

/// TLS 1.2 or later, peer and host name always verified, the CA file pinned when given (the
/// system store is then not consulted), the client certificate and key when given.
void setTlsOptions(CURL* handle, const TlsFiles& files);

}  // namespace fhirgw::connectors::detail
