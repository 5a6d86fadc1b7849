#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/address_policy.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"

namespace fhirgw::connectors {
namespace detail {
class CurlHandlePool;
}

/// Transport settings of one connector's outbound HTTP (checked once, at start-up).
struct HttpClientOptions {
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds timeout{60000};  ///< the whole exchange, connect included
  std::string caFile;                 ///< PEM CAs trusted for the peer; empty: the system store
  std::string clientCertificateFile;  ///< PEM client certificate (mutual TLS), with its key
  std::string clientKeyFile;
  std::size_t maxResponseBytes = 1 << 20;  ///< longer bodies are cut (the status still counts)
  std::string proxy;                       ///< empty: no proxy, whatever the environment says
  /// Which addresses a connection may reach, checked on each socket curl opens (with a proxy:
  /// the proxy's address, the proxy then owns the policy). Public addresses only by default.
  common::AddressPolicy addressPolicy = common::AddressPolicy::publicOnly();
  /// Accepts plain http:// URLs. Only for local test peers; never in production.
  bool allowInsecureHttpForTesting = false;
};

/// One outbound request.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// One answer. Header names are lower-cased.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool bodyTruncated = false;  ///< the body was longer than maxResponseBytes

  /// The first header with this (lower-case) name.
  std::optional<std::string> header(std::string_view lowerName) const;
};

/// Outbound HTTPS over libcurl: TLS 1.2+, peer and host name always verified, the CA file pinned
/// when given, optional client certificate, no redirects followed, https only (unless
/// allowInsecureHttpForTesting), connect and total timeouts, response body capped. Connections
/// are reused: each worker takes an idle curl handle from a small pool. Thread-safe.
class HttpClient {
 public:
  /// Checks the files and builds the client (kInvalidArgument naming the problem).
  static common::Result<std::unique_ptr<HttpClient>> create(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends the request. Errors: kInvalidArgument (URL refused: scheme, syntax), kPermissionDenied
  /// (every address of the host refused by the address policy, before any connect), kUnavailable
  /// (connect, TLS or transport failure), kDeadlineExceeded (timeout), kAborted (stop requested).
  /// Any HTTP status is a response, including 3xx (redirects are not followed).
  common::Result<HttpResponse> send(const HttpRequest& request, std::stop_token stop = {});

  /// Connection test: a TCP connect and TLS handshake to the URL's host with these options (CA
  /// pin, client certificate, address policy, proxy), on a connection of its own, no request
  /// sent; a server that ends the session right after the handshake (TLS 1.3 reports a refused
  /// client certificate then) fails it too. `endpoint` is scheme://host:port.
  ProbeResult probe(const std::string& url, std::stop_token stop = {});

  const HttpClientOptions& options() const { return options_; }

 private:
  explicit HttpClient(HttpClientOptions options);
  HttpClientOptions options_;
  std::unique_ptr<detail::CurlHandlePool> pool_;
};

/// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to now); nullopt when
/// absent or malformed. Negative delays become zero.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, common::TimePoint now);

/// Classifies an HTTP exchange (connectors.md): 2xx delivered; 408, 429 and 5xx transient
/// (with Retry-After); 3xx permanent (redirects refused); other 4xx permanent; transport errors
/// transient, except a refused URL (permanent) and an address the policy refused (permanent,
/// reason "address-not-allowed"). The retry rule is common::isRetryable.
DeliveryResult classifyHttp(const common::Result<HttpResponse>& result, common::TimePoint now);

}  // namespace fhirgw::connectors
