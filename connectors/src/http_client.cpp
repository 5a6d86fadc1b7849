#include "fhirgw/connectors/http_client.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "curl_support.hpp"
#include "fhirgw/common/url.hpp"

namespace fhirgw::connectors {
namespace {

constexpr std::size_t kMaxIdleHandles = 16;
constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

/// State of one transfer, reached from curl's callbacks.
struct Transfer {
  HttpResponse response;
  std::size_t maxBody = 0;
  std::size_t headerBytes = 0;
  std::stop_token stop;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::size_t room = t->maxBody - std::min(t->maxBody, t->response.body.size());
  if (n > room) {
    t->response.body.append(data, room);
    t->response.bodyTruncated = true;
    return 0;  // stops the transfer: curl reports a write error, the status is kept
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t->headerBytes += n;
  if (t->headerBytes > kMaxHeaderBytes) return 0;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after 100 Continue): start again
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->stop.stop_requested() ? 1 : 0;  // non-zero aborts (CURLE_ABORTED_BY_CALLBACK)
}

/// How long a probe waits after the handshake for the server to end the session: with TLS 1.3
/// the client's certificate is judged after the client's side of the handshake is done.
constexpr std::chrono::milliseconds kPostHandshakeWait{300};

/// After a CONNECT_ONLY handshake: false when the server closed the session or sent a TLS alert
/// within the wait (a session ticket or nothing at all means it kept the session).
bool sessionKept(CURL* h) {
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK ||
      socket == CURL_SOCKET_BAD) {
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + kPostHandshakeWait;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    pollfd fd{socket, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return true;
    char buffer[256];
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(h, buffer, sizeof buffer, &n);
    if (rc == CURLE_AGAIN) continue;  // TLS records without data (session tickets)
    return rc == CURLE_OK && n > 0;
  }
}

common::Status transportError(CURLcode code, const char* detail) {
  std::string message = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += ": " + std::string(detail);
  return detail::curlTransportError(code, message);
}

/// A failed answer in the status vocabulary, so that one rule (common::isRetryable) judges
/// answers and transport errors alike: 408 is a timeout, 429 a quota, 5xx the peer being
/// unavailable; any other answer would come back the same for the same request.
common::StatusCode statusCodeOfAnswer(int httpStatus) {
  if (httpStatus == 408) return common::StatusCode::kDeadlineExceeded;
  if (httpStatus == 429) return common::StatusCode::kResourceExhausted;
  if (httpStatus >= 500) return common::StatusCode::kUnavailable;
  return common::StatusCode::kInvalidArgument;
}

/// common::isRetryable, plus a stop request (kAborted): not the peer's fault, and the engine
/// records such an attempt as interrupted anyway.
bool worthRetrying(common::StatusCode code) {
  return common::isRetryable(code) || code == common::StatusCode::kAborted;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view lowerName) const {
  for (const auto& [k, v] : headers) {
    if (k == lowerName) return v;
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)),
      pool_(std::make_unique<detail::CurlHandlePool>(kMaxIdleHandles)) {}

HttpClient::~HttpClient() = default;

common::Result<std::unique_ptr<HttpClient>> HttpClient::create(HttpClientOptions options) {
  if (options.connectTimeout.count() <= 0 || options.timeout.count() <= 0) {
    return common::invalidArgument("timeouts must be positive");
  }
  if (options.maxResponseBytes == 0) {
    return common::invalidArgument("maxResponseBytes must be positive");
  }
  FHIRGW_RETURN_IF_ERROR(detail::checkTlsFiles(
      {options.caFile, options.clientCertificateFile, options.clientKeyFile}));
  detail::curlGlobalInitOnce();
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(options)));
}

common::Result<HttpResponse> HttpClient::send(const HttpRequest& request, std::stop_token stop) {
  // Every URL reaches libcurl parsed and normalised: no dot segments, encoded slashes, user
  // info or fragment, whoever built it (defence in depth behind the connectors' own checks).
  auto url = common::parseHttpUrl(request.url);
  if (!url) return common::invalidArgument("URL refused: " + url.error().message());
  if (url->scheme != "https" && !(url->scheme == "http" && options_.allowInsecureHttpForTesting)) {
    return common::invalidArgument(
        "URL refused: only https:// is allowed (http:// needs allowInsecureHttpForTesting)");
  }
  CURL* h = pool_->take();
  if (h == nullptr) return common::resourceExhausted("curl: cannot create a handle");
  // Reset keeps the connection and TLS session caches of the handle.
  curl_easy_reset(h);

  Transfer transfer;
  transfer.maxBody = options_.maxResponseBytes;
  transfer.stop = std::move(stop);
  char errorBuffer[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    std::string line = k;
    line.append(": ").append(v);
    headers = curl_slist_append(headers, line.c_str());
  }
  // No "Expect: 100-continue" round trip before large bodies.
  headers = curl_slist_append(headers, "Expect:");

  const char* protocols = options_.allowInsecureHttpForTesting ? "http,https" : "https";
  curl_easy_setopt(h, CURLOPT_URL, url->text.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  detail::setTlsOptions(h,
                        {options_.caFile, options_.clientCertificateFile, options_.clientKeyFile});
  // An explicit empty proxy disables the *_proxy environment variables.
  curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "fhir-gateway/0.1");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (request.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  detail::SocketGuard guard;
  guard.policy = &options_.addressPolicy;
  detail::installSocketGuard(h, guard);

  const CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  // The handle must not point at this call's stack once it is idle again.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, nullptr);
  pool_->give(h);

  if (code != CURLE_OK && guard.refusedAll()) return detail::addressRefused(guard.refusedClass);

  const bool cutShort = code == CURLE_WRITE_ERROR && transfer.response.bodyTruncated;
  if (code != CURLE_OK && !(cutShort && status != 0)) return transportError(code, errorBuffer);
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

ProbeResult HttpClient::probe(const std::string& url, std::stop_token stop) {
  auto parsed = common::parseHttpUrl(url);
  if (!parsed) {
    return ProbeResult::failed(ErrorClass::kPermanent, "url-refused",
                               "URL refused: " + parsed.error().message());
  }
  const std::string endpoint =
      parsed->scheme + "://" + parsed->host + ":" + std::to_string(parsed->port);
  if (parsed->scheme != "https" &&
      !(parsed->scheme == "http" && options_.allowInsecureHttpForTesting)) {
    return ProbeResult::failed(ErrorClass::kPermanent, "url-refused",
                               "URL refused: only https:// is allowed", endpoint);
  }
  // A handle of its own: a pooled one could reuse an open connection and test nothing.
  CURL* h = curl_easy_init();
  if (h == nullptr) {
    return ProbeResult::failed(ErrorClass::kTransient, "transport", "curl: cannot create a handle",
                               endpoint);
  }
  Transfer transfer;
  transfer.stop = std::move(stop);
  char errorBuffer[CURL_ERROR_SIZE] = {};
  const char* protocols = options_.allowInsecureHttpForTesting ? "http,https" : "https";
  curl_easy_setopt(h, CURLOPT_URL, parsed->text.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.connectTimeout.count()));
  detail::setTlsOptions(h,
                        {options_.caFile, options_.clientCertificateFile, options_.clientKeyFile});
  curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
  // Connect (and with https the TLS handshake), then stop: no request is sent.
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  detail::SocketGuard guard;
  guard.policy = &options_.addressPolicy;
  detail::installSocketGuard(h, guard);

  const CURLcode code = curl_easy_perform(h);
  const bool kept = code != CURLE_OK || parsed->scheme != "https" || sessionKept(h);
  curl_easy_cleanup(h);
  if (!kept) {
    return ProbeResult::failed(ErrorClass::kPermanent, "tls-handshake",
                               "TLS handshake failed: the server ended the session right after "
                               "it (was the client certificate refused?)",
                               endpoint);
  }
  return detail::probeOutcome(code, guard, errorBuffer, endpoint);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, common::TimePoint now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    std::int64_t seconds = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  // An HTTP-date in any of its three forms (RFC 9110 5.6.7), which recipients must accept:
  // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and
  // asctime "Sun Nov  6 08:49:37 1994". curl's parser reads all three (and is lenient beyond).
  const std::string text(value);
  const std::time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(at) - now;
  return std::max(std::chrono::seconds(0), std::chrono::ceil<std::chrono::seconds>(delta));
}

DeliveryResult classifyHttp(const common::Result<HttpResponse>& result, common::TimePoint now) {
  if (!result) {
    const common::Status& s = result.error();
    // The message may quote the peer's host (curl's error buffer): the log gets the code only.
    const std::string_view code = common::statusCodeName(s.code());
    // Refused by the outbound address policy: retrying cannot help until the options change.
    if (s.code() == common::StatusCode::kPermissionDenied) {
      return DeliveryResult::permanent(s.message()).because("address-not-allowed");
    }
    if (!worthRetrying(s.code())) return DeliveryResult::permanent(s.message()).because(code);
    return DeliveryResult::transient(s.message()).because(code);
  }
  const int status = result->status;
  const std::string text = "HTTP " + std::to_string(status);
  const std::string code = "http-" + std::to_string(status);
  if (status >= 200 && status < 300) return DeliveryResult::success(status);
  if (worthRetrying(statusCodeOfAnswer(status))) {
    std::optional<std::chrono::seconds> retryAfter;
    if (auto h = result->header("retry-after")) retryAfter = parseRetryAfter(*h, now);
    return DeliveryResult::transient(text, status, retryAfter).because(code);
  }
  if (status >= 300 && status < 400) {
    return DeliveryResult::permanent(text + ": redirect refused (check the endpoint URL)", status)
        .because(code);
  }
  return DeliveryResult::permanent(text, status).because(code);
}

}  // namespace fhirgw::connectors
