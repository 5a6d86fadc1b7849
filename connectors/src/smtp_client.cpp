#include "fhirgw/connectors/smtp_client.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

#include "curl_support.hpp"
#include "fhirgw/common/url.hpp"

namespace fhirgw::connectors {
namespace {

constexpr std::size_t kMaxIdleHandles = 8;
constexpr std::size_t kMaxReplyChars = 200;
constexpr std::size_t kMaxReplyLineBytes = 1024;

bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// State of one session, reached from curl's callbacks.
struct Session {
  std::string_view message;
  std::size_t sent = 0;
  std::stop_token stop;
  std::string lastReply;   ///< the last complete reply line from the server ("250 ...")
  std::string firstError;  ///< the first 4xx / 5xx reply line: the one that ended the session
};

std::size_t onRead(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* s = static_cast<Session*>(user);
  const std::size_t n = std::min(size * count, s->message.size() - s->sent);
  std::memcpy(buffer, s->message.data() + s->sent, n);
  s->sent += n;
  return n;
}

// The server's replies reach the debug callback as CURLINFO_HEADER_IN lines; the last one that
// starts with a reply code is kept (a multi-line reply ends with "NNN " after "NNN-" lines), and
// the first refusal: after it curl may still say QUIT and get a 221 before it returns.
int onDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN || user == nullptr) return 0;
  auto* s = static_cast<Session*>(user);
  std::string_view text(data, std::min(size, kMaxReplyLineBytes));
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.size() >= 3 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) &&
        (line.size() == 3 || line[3] == ' ')) {
      s->lastReply.assign(line);
      if (s->firstError.empty() && (line[0] == '4' || line[0] == '5')) s->firstError.assign(line);
    }
  }
  return 0;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* s = static_cast<Session*>(user);
  return s->stop.stop_requested() ? 1 : 0;  // non-zero aborts (CURLE_ABORTED_BY_CALLBACK)
}

/// Ends a connect-only session as a client should: QUIT, then the server's 221 (best effort,
/// within a second; cleaning the handle up after CONNECT_ONLY closes the socket without QUIT).
void sayQuit(CURL* h) {
  std::size_t sent = 0;
  if (curl_easy_send(h, "QUIT\r\n", 6, &sent) != CURLE_OK || sent != 6) return;
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK ||
      socket == CURL_SOCKET_BAD) {
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::string reply;
  while (reply.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd fd{socket, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return;
    char buffer[256];
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(h, buffer, sizeof buffer, &n);
    if (rc == CURLE_AGAIN) continue;
    if (rc != CURLE_OK || n == 0) return;
    reply.append(buffer, n);
  }
}

int replyCodeOf(std::string_view reply) {
  if (reply.size() < 3 || !isDigit(reply[0]) || !isDigit(reply[1]) || !isDigit(reply[2])) return 0;
  return (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0');
}

}  // namespace

SmtpClient::SmtpClient(SmtpClientOptions options)
    : options_(std::move(options)),
      pool_(std::make_unique<detail::CurlHandlePool>(kMaxIdleHandles)) {}

SmtpClient::~SmtpClient() = default;

common::Result<std::unique_ptr<SmtpClient>> SmtpClient::create(SmtpClientOptions options) {
  auto url = common::parseSmtpUrl(options.url);
  if (!url) return common::invalidArgument("url: " + url.error().message());
  options.url = url->text;
  if (options.connectTimeout.count() <= 0 || options.timeout.count() <= 0) {
    return common::invalidArgument("timeouts must be positive");
  }
  FHIRGW_RETURN_IF_ERROR(detail::checkTlsFiles(
      {options.caFile, options.clientCertificateFile, options.clientKeyFile}));
  if (options.username.empty() != options.password.empty()) {
    return common::invalidArgument("username and password: give both or neither");
  }
  detail::curlGlobalInitOnce();
  return std::unique_ptr<SmtpClient>(new SmtpClient(std::move(options)));
}

SmtpResult SmtpClient::send(const SmtpEnvelope& envelope, std::string_view message,
                            std::stop_token stop) {
  SmtpResult result;
  if (envelope.recipients.empty()) {
    result.transportError = common::invalidArgument("no recipient");
    return result;
  }
  CURL* h = pool_->take();
  if (h == nullptr) {
    result.transportError = common::resourceExhausted("curl: cannot create a handle");
    return result;
  }
  // Reset keeps the connection and TLS session caches of the handle.
  curl_easy_reset(h);

  Session session;
  session.message = message;
  session.stop = std::move(stop);
  curl_slist* recipients = nullptr;
  for (const std::string& r : envelope.recipients) {
    recipients = curl_slist_append(recipients, ("<" + r + ">").c_str());
  }
  const std::string from = "<" + envelope.from + ">";

  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // STARTTLS is required on smtp://: the session stops if the server does not offer it.
  curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  detail::setTlsOptions(h,
                        {options_.caFile, options_.clientCertificateFile, options_.clientKeyFile});
  if (!options_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_READFUNCTION, onRead);
  curl_easy_setopt(h, CURLOPT_READDATA, &session);
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, onDebug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &session);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &session);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  detail::SocketGuard guard;
  guard.policy = &options_.addressPolicy;
  detail::installSocketGuard(h, guard);

  const CURLcode code = curl_easy_perform(h);
  long lastCode = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &lastCode);
  // The handle must not point at this call's stack or lists once it is idle again.
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, nullptr);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, nullptr);
  curl_slist_free_all(recipients);
  if (code == CURLE_OK) {
    pool_->give(h);
  } else {
    // A failed session may leave the connection mid-dialogue: start the next one afresh.
    curl_easy_cleanup(h);
  }

  if (code != CURLE_OK && guard.refusedAll()) {
    result.transportError = detail::addressRefused(guard.refusedClass);
    return result;
  }
  const std::string& reply = session.firstError.empty() ? session.lastReply : session.firstError;
  result.reply = scrubSmtpReply(reply);
  result.replyCode = replyCodeOf(reply);
  if (result.replyCode == 0) result.replyCode = static_cast<int>(lastCode);
  if (code == CURLE_OK) {
    // curl reports success only after the final 250 of DATA.
    if (result.replyCode < 200 || result.replyCode >= 300) result.replyCode = 250;
    return result;
  }
  // A refusal by the server (4xx / 5xx) judges the session; anything else is the transport's.
  if (result.replyCode >= 400 && code != CURLE_ABORTED_BY_CALLBACK &&
      code != CURLE_OPERATION_TIMEDOUT) {
    return result;
  }
  // curl's error buffer is not used: it may quote an address ("RCPT failed: <...>").
  result.transportError = detail::curlTransportError(code, curl_easy_strerror(code));
  return result;
}

ProbeResult SmtpClient::probe(std::stop_token stop) {
  // A handle of its own: a pooled one could reuse an open session and test nothing.
  CURL* h = curl_easy_init();
  if (h == nullptr) {
    return ProbeResult::failed(ErrorClass::kTransient, "transport", "curl: cannot create a handle",
                               options_.url);
  }
  Session session;
  session.stop = std::move(stop);
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  detail::setTlsOptions(h,
                        {options_.caFile, options_.clientCertificateFile, options_.clientKeyFile});
  if (!options_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.connectTimeout.count()));
  // The protocol's connect phase (greeting, EHLO, STARTTLS, EHLO, AUTH), then stop: no MAIL.
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, onDebug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &session);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &session);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  detail::SocketGuard guard;
  guard.policy = &options_.addressPolicy;
  detail::installSocketGuard(h, guard);

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) sayQuit(h);
  curl_easy_cleanup(h);
  // curl's error buffer is not shown: the server's refusal, scrubbed, says more and no address.
  const std::string refusal = scrubSmtpReply(session.firstError);
  return detail::probeOutcome(code, guard, refusal.empty() ? "" : "SMTP reply: " + refusal,
                              options_.url);
}

std::string scrubSmtpReply(std::string_view reply) {
  std::string out;
  std::size_t i = 0;
  while (i < reply.size() && out.size() < kMaxReplyChars) {
    const char c = reply[i];
    if (c == '<') {
      const std::size_t close = reply.find('>', i);
      out += "<address>";
      i = close == std::string_view::npos ? reply.size() : close + 1;
      continue;
    }
    if (isDigit(c)) {
      std::size_t j = i;
      while (j < reply.size() && isDigit(reply[j])) ++j;
      if (j - i >= 10) {
        out += '#';
      } else {
        out.append(reply.substr(i, j - i));
      }
      i = j;
      continue;
    }
    if (c != ' ' && c != '\t') {
      // A word: kept unless it holds an address.
      std::size_t j = i;
      while (j < reply.size() && reply[j] != ' ' && reply[j] != '\t' && reply[j] != '<') ++j;
      const std::string_view word = reply.substr(i, j - i);
      if (word.find('@') != std::string_view::npos) {
        out += "<address>";
        i = j;
        continue;
      }
      // Digits inside the word are checked on their own (an INS glued to letters).
      std::size_t k = i;
      while (k < j && !isDigit(reply[k])) {
        const auto u = static_cast<unsigned char>(reply[k]);
        if (u >= 0x20 && u != 0x7f) out.push_back(reply[k]);
        ++k;
      }
      i = k;
      continue;
    }
    out.push_back(' ');
    ++i;
  }
  if (out.size() > kMaxReplyChars) out.resize(kMaxReplyChars);
  return out;
}

DeliveryResult classifySmtp(const SmtpResult& result) {
  if (result.transportError) {
    const common::Status& s = *result.transportError;
    const std::string_view code = common::statusCodeName(s.code());
    if (s.code() == common::StatusCode::kPermissionDenied) {
      return DeliveryResult::permanent(s.message()).because("address-not-allowed");
    }
    if (s.code() == common::StatusCode::kInvalidArgument) {
      return DeliveryResult::permanent(s.message()).because(code);
    }
    return DeliveryResult::transient(s.message()).because(code);
  }
  // The reply starts with its code; without one, the code curl saw is all there is.
  const std::string text = result.reply.empty() ? "SMTP " + std::to_string(result.replyCode)
                                                : "SMTP reply: " + result.reply;
  const std::string code = "smtp-" + std::to_string(result.replyCode);
  if (result.accepted()) return DeliveryResult::success();
  if (result.replyCode >= 400 && result.replyCode < 500) {
    return DeliveryResult::transient(text).because(code);
  }
  return DeliveryResult::permanent(text).because(code);
}

}  // namespace fhirgw::connectors
