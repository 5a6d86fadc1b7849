#include "curl_support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "fhirgw/common/files.hpp"

namespace fhirgw::connectors::detail {
namespace {

curl_socket_t openGuardedSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(user);
  if (guard == nullptr || guard->policy == nullptr) return CURL_SOCKET_BAD;
  const bool complete = (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) ||
                        (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6));
  std::optional<std::string_view> refused = "not-ip";
  if (complete) refused = guard->policy->refusedClass(&address->addr);
  if (refused) {
    guard->refusedClass = *refused;
    ++guard->refused;
    return CURL_SOCKET_BAD;  // curl tries the next address, or fails with "couldn't connect"
  }
  ++guard->opened;
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

void installSocketGuard(CURL* handle, SocketGuard& guard) {
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, openGuardedSocket);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &guard);
}

common::Status addressRefused(std::string_view refusedClass) {
  return common::permissionDenied(
      "connection refused by the outbound address policy: the address is " +
      std::string(refusedClass) + " (allow it with allowedPrivateNetworks)");
}

void curlGlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHandlePool::~CurlHandlePool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* CurlHandlePool::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void CurlHandlePool::give(CURL* handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < maxIdle_) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(handle);
  }
}

common::Status checkTlsFiles(const TlsFiles& files) {
  if (!files.caFile.empty() && !common::isReadableFile(files.caFile)) {
    return common::invalidArgument("caFile: not a readable file");
  }
  if (files.clientCertificateFile.empty() != files.clientKeyFile.empty()) {
    return common::invalidArgument("clientCertificateFile and clientKeyFile: give both or neither");
  }
  if (!files.clientCertificateFile.empty()) {
    if (!common::isReadableFile(files.clientCertificateFile)) {
      return common::invalidArgument("clientCertificateFile: not a readable file");
    }
    if (!common::isReadableFile(files.clientKeyFile)) {
      return common::invalidArgument("clientKeyFile: not a readable file");
    }
  }
  return common::Status::ok();
}

common::Status curlTransportError(CURLcode code, const std::string& message) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return common::invalidArgument("URL refused: " + message);
    case CURLE_OPERATION_TIMEDOUT:
      return common::deadlineExceeded("timeout: " + message);
    case CURLE_ABORTED_BY_CALLBACK:
      return common::aborted("cancelled by shutdown");
    case CURLE_USE_SSL_FAILED:
      return common::unavailable("the server did not offer STARTTLS: " + message);
    default:
      return common::unavailable(message);
  }
}

ProbeResult probeOutcome(CURLcode code, const SocketGuard& guard, const std::string& detail,
                         std::string endpoint) {
  if (code == CURLE_OK) {
    ProbeResult ok;
    ok.ok = true;
    ok.message = "connected";
    ok.endpoint = std::move(endpoint);
    return ok;
  }
  const auto permanent = ErrorClass::kPermanent;
  const auto transient = ErrorClass::kTransient;
  if (guard.refusedAll()) {
    return ProbeResult::failed(permanent, "address-not-allowed",
                               addressRefused(guard.refusedClass).message(), std::move(endpoint));
  }
  std::string message = curl_easy_strerror(code);
  if (!detail.empty()) message += ": " + detail;
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      return ProbeResult::failed(permanent, "tls-handshake", "TLS handshake failed: " + message,
                                 std::move(endpoint));
    case CURLE_USE_SSL_FAILED:
      return ProbeResult::failed(permanent, "starttls-not-offered",
                                 "the server did not offer STARTTLS: " + message,
                                 std::move(endpoint));
    case CURLE_LOGIN_DENIED:
      return ProbeResult::failed(permanent, "auth-refused", "the server refused the login",
                                 std::move(endpoint));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return ProbeResult::failed(permanent, "url-refused", "URL refused: " + message,
                                 std::move(endpoint));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ProbeResult::failed(transient, "resolve", message, std::move(endpoint));
    case CURLE_COULDNT_CONNECT:
      return ProbeResult::failed(transient, "connect", message, std::move(endpoint));
    case CURLE_OPERATION_TIMEDOUT:
      return ProbeResult::failed(transient, "timeout", message, std::move(endpoint));
    case CURLE_ABORTED_BY_CALLBACK:
      return ProbeResult::failed(transient, "cancelled", "cancelled by shutdown",
                                 std::move(endpoint));
    default:
      return ProbeResult::failed(transient, "transport", message, std::move(endpoint));
  }
}

void setTlsOptions(CURL* handle, const TlsFiles& files) {
  curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!files.caFile.empty()) {
    // Pinned: only this bundle is trusted, not the system store as well.
    curl_easy_setopt(handle, CURLOPT_CAINFO, files.caFile.c_str());
    curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
  }
  if (!files.clientCertificateFile.empty()) {
    curl_easy_setopt(handle, CURLOPT_SSLCERT, files.clientCertificateFile.c_str());
    curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLKEY, files.clientKeyFile.c_str());
    curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

}  // namespace fhirgw::connectors::detail
