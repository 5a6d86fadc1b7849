#include "connection_front.hpp"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <string_view>

#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using common::Log;

// Deadlines are checked at this granularity; cuts happen within one tick of their deadline.
constexpr auto kTick = std::chrono::milliseconds(50);
// A refused connection is kept this long (reading and dropping what the client still sends) so
// that closing with unread bytes does not reset the connection before the client read the 503.
constexpr auto kLinger = std::chrono::milliseconds(2000);
constexpr std::size_t kMaxLingering = 256;
constexpr auto kCountersInterval = std::chrono::seconds(10);
constexpr int kRetryAfterSeconds = 1;
constexpr int kMaxAcceptsPerEvent = 256;
constexpr int kMaxEvents = 256;

enum class DeadlineKind : int { kHead, kBody, kIdle };

const char* kindName(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kHead:
      return "headTimeout";
    case DeadlineKind::kBody:
      return "bodyTimeout";
    case DeadlineKind::kIdle:
      return "idleTimeout";
  }
  return "timeout";
}

/// HTTPServerSession with its read buffer visible: pipelined bytes stay in the worker.
class FrontSession final : public Poco::Net::HTTPServerSession {
 public:
  FrontSession(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params)
      : HTTPServerSession(socket, std::move(params)) {}
  int pendingBytes() const { return buffered(); }
};

std::string peerOf(const sockaddr_storage& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size());
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size());
  }
  return std::string(text.data());
}

std::string_view issueTypeForStatus(int status) {
  switch (status) {
    case 414:
    case 431:
      return "too-long";
    case 501:
    case 505:
      return "not-supported";
    case 503:
      return "transient";
    default:
      return "structure";
  }
}

bool mayHoldHeadEnd(std::string_view bytes, std::size_t from) {
  from = from >= 2 ? from - 2 : 0;
  for (std::size_t i = bytes.find('\n', from); i != std::string_view::npos;
       i = bytes.find('\n', i + 1)) {
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return true;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return true;
  }
  return false;
}

/// The head Poco parsed, written back as bytes, to inspect heads the poller could not peek
/// (TLS, pipelined): framing rules hold there too.
std::string headAsParsed(const Poco::Net::HTTPServerRequest& request) {
  std::string out = request.getMethod();
  out.append(" ").append(request.getURI()).append(" ").append(request.getVersion()).append("\r\n");
  for (const auto& [name, value] : request)
    out.append(name).append(": ").append(value).append("\r\n");
  out += "\r\n";
  return out;
}

}  // namespace

struct ConnectionFront::Connection {
  enum class State { kWaiting, kQueued, kActive, kReturning, kLingering };

  Poco::Net::StreamSocket socket;
  int fd = -1;
  std::string peer;
  State state = State::kWaiting;  // changed under mu_ when a connection changes hands
  std::atomic<std::int64_t> deadline{0};
  std::atomic<int> deadlineKind{static_cast<int>(DeadlineKind::kHead)};
  bool cut = false;  // under mu_
  bool counted = true;
  // Poller-only while waiting.
  bool fresh = true;               // no request served yet: the head deadline runs from accept
  Clock::time_point waitingSince;  // accepted, or given back after a request
  bool firstByteSeen = false;
  std::size_t scanned = 0;
  std::size_t inspectAt = 0;
  // Worker-only while active; kept across keep-alive requests.
  std::unique_ptr<FrontSession> session;

  void setDeadline(Clock::duration after, DeadlineKind kind) {
    deadlineKind.store(static_cast<int>(kind));
    deadline.store((Clock::now() + after).time_since_epoch().count());
  }
  bool expired(Clock::time_point now) const {
    return now.time_since_epoch().count() >= deadline.load();
  }
};

ConnectionFront::ConnectionFront(FrontConfig config, const Poco::Net::ServerSocket& listening,
                                 Handler handler, RefusalHook onRefused)
    : config_(std::move(config)),
      listening_(listening),
      handler_(std::move(handler)),
      onRefused_(std::move(onRefused)),
      params_(new Poco::Net::HTTPServerParams) {
  params_->setKeepAlive(true);
  params_->setServerName("fhir-gateway");
  params_->setTimeout(Poco::Timespan(config_.receiveTimeout.count() * 1000));
  // Leading empty lines, the request line and its line end, the header section.
  peekBuffer_.resize(2 * config_.head.maxRequestLineBytes + config_.head.maxHeaderBytes + 4);
}

ConnectionFront::~ConnectionFront() {
  if (poller_.joinable()) stop(std::chrono::milliseconds(0));
  if (epoll_ >= 0) ::close(epoll_);
  if (wake_ >= 0) ::close(wake_);
}

void ConnectionFront::start() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || wake_ < 0) throw Poco::IOException("epoll or eventfd unavailable");
  listening_.setBlocking(false);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listening_.impl()->sockfd();
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, ev.data.fd, &ev);
  ev.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  lastCountersLog_ = Clock::now();
  poller_ = std::thread([this] { pollLoop(); });
  for (int i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

bool ConnectionFront::stop(std::chrono::milliseconds grace) {
  if (!poller_.joinable()) return true;
  stopping_.store(true);
  pollerStopAccepting_.store(true);
  wakePoller();
  const auto until = Clock::now() + grace;
  bool drained = false;
  while (true) {
    {
      std::lock_guard lock(mu_);
      drained = open_.empty();
      if (drained || Clock::now() >= until) {
        // Requests still running are cut: their reads and writes fail, their workers close.
        for (auto& [fd, c] : open_) {
          if (c->state == Connection::State::kActive) ::shutdown(fd, SHUT_RDWR);
        }
        quit_ = true;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  readyCv_.notify_all();
  wakePoller();
  for (auto& w : workers_) w.join();
  workers_.clear();
  poller_.join();
  std::lock_guard lock(mu_);
  for (auto& [fd, c] : open_) c->socket.close();
  open_.clear();
  perPeer_.clear();
  ready_.clear();
  returned_.clear();
  return drained;
}

std::size_t ConnectionFront::openConnections() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void ConnectionFront::wakePoller() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
}

// ---------------------------------------------------------------------------------------------
// Poller thread: accepts, waits for complete heads, watches deadlines.

void ConnectionFront::pollLoop() {
  std::array<epoll_event, kMaxEvents> events{};
  const int listenFd = listening_.impl()->sockfd();
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (quit_) break;
    }
    if (accepting_ && pollerStopAccepting_.load()) {
      accepting_ = false;
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listenFd, nullptr);
      listening_.close();
      // Connections between requests are not in flight: close them now.
      std::vector<ConnectionPtr> idle;
      for (auto& [fd, c] : polled_) idle.push_back(c);
      for (auto& c : idle) {
        unwatch(c);
        release(c);
        c->socket.close();
      }
    }
    const int n = ::epoll_wait(epoll_, events.data(), kMaxEvents, static_cast<int>(kTick.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listenFd && accepting_) {
        acceptAll();
      } else if (fd == wake_) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
        takeReturned();
      } else if (auto it = polled_.find(fd); it != polled_.end()) {
        ConnectionPtr c = it->second;
        if (c->state == Connection::State::kLingering) {
          onLingering(c);
        } else {
          const auto mask = events[static_cast<std::size_t>(i)].events;
          onReadable(c, (mask & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
        }
      }
    }
    checkDeadlines();
    logCounters(false);
  }
  std::vector<ConnectionPtr> rest;
  for (auto& [fd, c] : polled_) rest.push_back(c);
  for (auto& c : rest) {
    unwatch(c);
    release(c);
    c->socket.close();
  }
  if (accepting_) listening_.close();
  logCounters(true);
}

void ConnectionFront::acceptAll() {
  const int listenFd = listening_.impl()->sockfd();
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&address), &length,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) ++refusedCounts_["descriptors"];
      return;
    }
    std::string peer = peerOf(address);
    const char* refusal = nullptr;
    ConnectionPtr victim;
    {
      std::lock_guard lock(mu_);
      const auto it = perPeer_.find(peer);
      if (it != perPeer_.end() && it->second >= config_.maxConnectionsPerPeer) {
        refusal = "maxConnectionsPerPeer";
      } else if (open_.size() >= config_.maxConnections) {
        victim = stalestWaiting();
        if (!victim) refusal = "maxConnections";
      }
    }
    if (refusal != nullptr) {
      refuseAtAccept(fd, peer, refusal);
      continue;
    }
    if (victim) {
      // The table is full: the connection that has waited longest without a complete request
      // (idle keep-alive, or a head that is not arriving) makes room. Clients that send their
      // request at once are never in that state for long, so a flood from many addresses evicts
      // itself; connections inside a request are never evicted.
      ++cutCounts_["evicted"];
      unwatch(victim);
      release(victim);
      victim->socket.close();
    }
    auto c = std::make_shared<Connection>();
    c->fd = fd;
    c->peer = peer;
    c->socket = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd));
    c->waitingSince = Clock::now();
    {
      std::lock_guard lock(mu_);
      open_[fd] = c;
      ++perPeer_[peer];
    }
    c->setDeadline(config_.headerTimeout, DeadlineKind::kHead);
    watch(c);
  }
}

ConnectionFront::ConnectionPtr ConnectionFront::stalestWaiting() const {
  ConnectionPtr stalest;
  for (const auto& [fd, c] : polled_) {
    if (c->state != Connection::State::kWaiting) continue;
    if (!stalest || c->waitingSince < stalest->waitingSince) stalest = c;
  }
  return stalest;
}

void ConnectionFront::refuseAtAccept(int fd, const std::string& peer, const char* reason) {
  ++refusedCounts_[reason];
  auto c = std::make_shared<Connection>();
  c->fd = fd;
  c->peer = peer;
  c->counted = false;
  c->socket = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd));
  if (config_.tls) {
    c->socket.close();  // nothing readable can be said before a handshake
    return;
  }
  const std::string answer = closingErrorResponse(
      503, "transient", "too many connections; retry later", common::newUuid(), kRetryAfterSeconds);
  ::send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  linger(c);
}

void ConnectionFront::onReadable(const ConnectionPtr& c, bool peerClosed) {
  const ssize_t n = ::recv(c->fd, peekBuffer_.data(), peekBuffer_.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {  // closed by the client, or reset
    unwatch(c);
    release(c);
    c->socket.close();
    return;
  }
  if (!c->firstByteSeen) {
    c->firstByteSeen = true;
    // A kept-alive connection's head deadline runs from the first byte of its next request.
    if (!c->fresh) c->setDeadline(config_.headerTimeout, DeadlineKind::kHead);
  }
  const auto length = static_cast<std::size_t>(n);
  if (config_.tls) {
    // Encrypted bytes cannot be inspected. Wait at least for the whole first TLS record (the
    // ClientHello) so a client dripping it costs no thread; the rest is read by a worker under
    // the head deadline.
    if (c->fresh && length >= 5 && static_cast<unsigned char>(peekBuffer_[0]) == 0x16) {
      const std::size_t record =
          5 + ((static_cast<std::size_t>(static_cast<unsigned char>(peekBuffer_[3])) << 8) |
               static_cast<unsigned char>(peekBuffer_[4]));
      if (length < std::min(record, peekBuffer_.size())) return;
    } else if (c->fresh && length < 5) {
      return;
    }
    dispatch(c);
    return;
  }
  const std::string_view bytes(peekBuffer_.data(), length);
  // Inspect only when the head may have ended or grown past the last check (doubling), so a
  // client dripping bytes costs O(n log n), not O(n^2).
  const bool mayEnd = mayHoldHeadEnd(bytes, c->scanned);
  c->scanned = length;
  if (!mayEnd && !peerClosed && length < c->inspectAt && length < peekBuffer_.size()) return;
  c->inspectAt = std::max<std::size_t>(length * 2, 1024);
  auto head = inspectRequestHead(bytes, config_.head);
  if (!head) {
    refuse(c, headRefusalHttpStatus(head.error()), head.error().message());
    return;
  }
  if (!head->complete) {
    if (length >= peekBuffer_.size()) {
      refuse(c, 431, "request head too large");
    } else if (peerClosed) {  // the rest of the head can never come
      unwatch(c);
      release(c);
      c->socket.close();
    }
    return;
  }
  dispatch(c);
}

void ConnectionFront::dispatch(const ConnectionPtr& c) {
  unwatch(c);
  bool busy = false;
  {
    std::lock_guard lock(mu_);
    if (ready_.size() >= config_.maxQueued) {
      busy = true;
    } else {
      c->state = Connection::State::kQueued;
      ready_.push_back(c);
    }
  }
  if (busy) {
    ++refusedCounts_["busy"];
    if (config_.tls) {
      release(c);
      c->socket.close();
      return;
    }
    refuse(c, 503, "server busy; retry later");
    return;
  }
  readyCv_.notify_one();
}

void ConnectionFront::reportRefusal(const std::string& peer, const std::string& requestId,
                                    int status, const std::string& reason) {
  // Logged and audited before the answer is sent: a client that has read its answer can rely on
  // the refusal being counted (the anonymous-audit windows are per minute).
  Log::info("gateway.request", {{"listener", config_.name},
                                {"requestId", requestId},
                                {"status", status},
                                {"refusedBy", "front"},
                                {"reason", reason}});
  if (onRefused_) {
    try {
      onRefused_(FrontRefusal{peer, requestId, status, reason});
    } catch (...) {
      Log::error("gateway.refusal-hook-failed", {{"requestId", requestId}});
    }
  }
}

void ConnectionFront::refuse(const ConnectionPtr& c, int status, const std::string& reason) {
  const std::string requestId = common::newUuid();
  const std::string answer =
      closingErrorResponse(status, issueTypeForStatus(status), reason, requestId,
                           status == 503 ? kRetryAfterSeconds : 0);
  reportRefusal(c->peer, requestId, status, reason);
  ::send(c->fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(c->fd, SHUT_WR);
  release(c);
  linger(c);
}

void ConnectionFront::linger(const ConnectionPtr& c) {
  if (lingering_ >= kMaxLingering) {
    unwatch(c);
    c->socket.close();
    return;
  }
  ++lingering_;
  c->state = Connection::State::kLingering;
  c->deadline.store((Clock::now() + kLinger).time_since_epoch().count());
  if (polled_.find(c->fd) == polled_.end()) watch(c);
  onLingering(c);
}

void ConnectionFront::onLingering(const ConnectionPtr& c) {
  std::array<char, 4096> scratch{};
  while (true) {
    const ssize_t n = ::recv(c->fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  unwatch(c);
  --lingering_;
  c->socket.close();
}

void ConnectionFront::watch(const ConnectionPtr& c) {
  epoll_event ev{};
  // Edge-triggered: peeked bytes stay in the kernel buffer, so level-triggered would spin.
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.fd = c->fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev) != 0 && errno == EEXIST) {
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
  }
  polled_[c->fd] = c;
}

void ConnectionFront::unwatch(const ConnectionPtr& c) {
  if (polled_.erase(c->fd) > 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
}

void ConnectionFront::release(const ConnectionPtr& c) {
  std::lock_guard lock(mu_);
  if (!c->counted) return;
  c->counted = false;
  open_.erase(c->fd);
  auto it = perPeer_.find(c->peer);
  if (it != perPeer_.end() && --it->second == 0) perPeer_.erase(it);
}

void ConnectionFront::takeReturned() {
  std::deque<ConnectionPtr> back;
  {
    std::lock_guard lock(mu_);
    back.swap(returned_);
    for (auto& c : back) c->state = Connection::State::kWaiting;
  }
  for (auto& c : back) {
    if (!accepting_) {
      release(c);
      c->socket.close();
      continue;
    }
    c->fresh = false;
    c->waitingSince = Clock::now();
    c->firstByteSeen = false;
    c->scanned = 0;
    c->inspectAt = 0;
    watch(c);
    onReadable(c, false);  // bytes may have arrived before the connection was watched again
  }
}

void ConnectionFront::checkDeadlines() {
  const auto now = Clock::now();
  std::vector<ConnectionPtr> expired;
  for (auto& [fd, c] : polled_) {
    if (c->expired(now)) expired.push_back(c);
  }
  for (auto& c : expired) {
    if (c->state == Connection::State::kLingering) {
      unwatch(c);
      --lingering_;
      c->socket.close();
      continue;
    }
    ++cutCounts_[kindName(static_cast<DeadlineKind>(c->deadlineKind.load()))];
    unwatch(c);
    release(c);
    c->socket.close();
  }
  // Requests in workers: shutting the socket down makes their blocked read or write fail.
  std::lock_guard lock(mu_);
  for (auto& [fd, c] : open_) {
    if (c->state == Connection::State::kActive && !c->cut && c->expired(now)) {
      c->cut = true;
      ::shutdown(fd, SHUT_RDWR);
      ++cutCounts_[kindName(static_cast<DeadlineKind>(c->deadlineKind.load()))];
    }
  }
}

void ConnectionFront::logCounters(bool force) {
  const auto now = Clock::now();
  if (!force && now - lastCountersLog_ < kCountersInterval) return;
  lastCountersLog_ = now;
  auto take = [](std::map<std::string, std::size_t>& counts, const char* key) {
    auto it = counts.find(key);
    return it == counts.end() ? std::size_t{0} : it->second;
  };
  if (!refusedCounts_.empty()) {
    Log::warning("gateway.connections-refused",
                 {{"listener", config_.name},
                  {"maxConnections", take(refusedCounts_, "maxConnections")},
                  {"maxConnectionsPerPeer", take(refusedCounts_, "maxConnectionsPerPeer")},
                  {"busy", take(refusedCounts_, "busy")},
                  {"descriptors", take(refusedCounts_, "descriptors")}});
    refusedCounts_.clear();
  }
  const std::size_t head = take(cutCounts_, "headTimeout");
  const std::size_t body = take(cutCounts_, "bodyTimeout");
  const std::size_t evicted = take(cutCounts_, "evicted");
  if (head + body + evicted > 0) {
    Log::warning("gateway.connections-cut", {{"listener", config_.name},
                                             {"headTimeout", head},
                                             {"bodyTimeout", body},
                                             {"evicted", evicted}});
  }
  cutCounts_.clear();
}

// ---------------------------------------------------------------------------------------------
// Workers: one request (and pipelined ones) at a time, through Poco's parser and our handler.

void ConnectionFront::workerLoop() {
  while (true) {
    ConnectionPtr c;
    {
      std::unique_lock lock(mu_);
      readyCv_.wait(lock, [this] { return quit_ || !ready_.empty(); });
      if (quit_) return;
      c = ready_.front();
      ready_.pop_front();
      c->state = Connection::State::kActive;
      // Plain: the head is already in the kernel buffer. TLS: the handshake and the head must
      // still arrive, within what is left of the head deadline.
      if (!config_.tls) c->setDeadline(config_.headerTimeout, DeadlineKind::kHead);
    }
    serve(c);
  }
}

void ConnectionFront::serve(const ConnectionPtr& c) {
  bool keep = false;
  try {
    c->socket.setBlocking(true);
    c->socket.setReceiveTimeout(Poco::Timespan(config_.receiveTimeout.count() * 1000));
    c->socket.setSendTimeout(Poco::Timespan(config_.receiveTimeout.count() * 1000));
    if (!c->session) {
      if (config_.tls) c->socket = Poco::Net::SecureStreamSocket::attach(c->socket, config_.tls);
      c->session = std::make_unique<FrontSession>(c->socket, params_);
    }
    bool inspected = !config_.tls;  // plain heads were inspected by the poller
    while (true) {
      Poco::Net::HTTPServerResponseImpl response(*c->session);
      Poco::Net::HTTPServerRequestImpl request(response, *c->session, params_.get());
      c->setDeadline(config_.bodyTimeout, DeadlineKind::kBody);
      if (!inspected) {
        auto head = inspectRequestHead(headAsParsed(request), config_.head);
        if (!head) {
          const int status = headRefusalHttpStatus(head.error());
          const std::string requestId = common::newUuid();
          const std::string answer = closingErrorResponse(status, issueTypeForStatus(status),
                                                          head.error().message(), requestId);
          reportRefusal(c->peer, requestId, status, head.error().message());
          c->socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
          break;
        }
      }
      response.setDate(Poco::Timestamp());
      response.setVersion(request.getVersion());
      response.setKeepAlive(request.getKeepAlive() && !stopping_.load());
      response.set("Server", "fhir-gateway");
      if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK) {
        response.sendContinue();
      }
      handler_(request, response);
      if (!response.getKeepAlive() || stopping_.load()) break;
      if (c->session->pendingBytes() > 0 || (config_.tls && c->socket.available() > 0)) {
        // Pipelined: the next head is (partly) in our buffer, beyond the poller's sight.
        inspected = false;
        c->setDeadline(config_.headerTimeout, DeadlineKind::kHead);
        continue;
      }
      keep = true;
      break;
    }
  } catch (const Poco::Net::NoMessageException&) {
    // The client closed between requests.
  } catch (const Poco::Net::MessageException&) {
    // Poco's own limits (TLS or pipelined heads): answer, log and audit like the poller would.
    const std::string requestId = common::newUuid();
    const std::string reason = "malformed request head";
    reportRefusal(c->peer, requestId, 400, reason);
    try {
      const std::string answer = closingErrorResponse(400, "structure", reason, requestId);
      c->socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
    } catch (...) {
    }
  } catch (...) {
    // Deadline cut, reset, TLS failure: nothing more can be said on this connection.
  }
  if (keep) {
    c->setDeadline(config_.keepAliveTimeout, DeadlineKind::kIdle);
    {
      std::lock_guard lock(mu_);
      if (!c->cut) {
        c->state = Connection::State::kReturning;
        returned_.push_back(c);
      } else {
        keep = false;
      }
    }
    if (keep) {
      wakePoller();
      return;
    }
  }
  release(c);
  c->session.reset();  // closes the socket
  c->socket.close();
}

}  // namespace fhirgw::gateway
