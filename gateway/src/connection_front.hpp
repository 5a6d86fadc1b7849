#pragma once

// Internal to the gateway library: the connection front of one listener.

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fhirgw/gateway/request_head.hpp"

namespace fhirgw::gateway {

/// Limits and sizes of one connection front, from the listener's configuration.
struct FrontConfig {
  std::string name;  ///< "api" or "admin", for logs
  HeadLimits head;
  std::chrono::milliseconds headerTimeout{10000};     ///< request line + headers, total
  std::chrono::milliseconds bodyTimeout{30000};       ///< after the head: body, handling, answer
  std::chrono::milliseconds keepAliveTimeout{15000};  ///< idle between requests
  std::chrono::milliseconds receiveTimeout{30000};    ///< per read, a second guard
  std::size_t maxConnections = 1024;
  std::size_t maxConnectionsPerPeer = 64;
  std::size_t maxQueued = 64;  ///< complete heads waiting for a worker; beyond: 503
  int workers = 16;
  Poco::Net::Context::Ptr tls;  ///< null => plain HTTP
};

/// A request the front answered itself, before any handler (framing, caps, busy).
struct FrontRefusal {
  std::string peer;  ///< IP address of the client
  std::string requestId;
  int status = 0;
  std::string reason;  ///< for operators; never request content
};

/// Accepts connections and keeps every connection that is not inside a request (new, idle
/// keep-alive, head still arriving) in one poller thread, without a worker thread: a worker gets
/// a plain-HTTP connection only once its whole request head is in the kernel buffer and passed
/// inspectRequestHead(). A worker then runs Poco's request parsing and the handler for that
/// request (and pipelined ones) and gives the connection back. The poller is also the
/// watchdog of the total header, body and idle deadlines, and enforces the connection caps.
class ConnectionFront {
 public:
  using Handler =
      std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;
  using RefusalHook = std::function<void(const FrontRefusal&)>;

  /// listening must be bound and listening (a plain socket even for TLS: the handshake is done
  /// by the front on accepted connections).
  ConnectionFront(FrontConfig config, const Poco::Net::ServerSocket& listening, Handler handler,
                  RefusalHook onRefused);
  ~ConnectionFront();
  ConnectionFront(const ConnectionFront&) = delete;
  ConnectionFront& operator=(const ConnectionFront&) = delete;

  /// Starts the poller and the workers.
  void start();
  /// Stops accepting, closes idle connections, lets requests in progress finish for up to
  /// grace (answered with Connection: close), then cuts the rest. True when all finished.
  bool stop(std::chrono::milliseconds grace);

  /// Connections currently open (counted against the caps).
  std::size_t openConnections() const;

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  void pollLoop();
  void workerLoop();
  void acceptAll();
  ConnectionPtr stalestWaiting() const;
  void onReadable(const ConnectionPtr& c, bool peerClosed);
  void onLingering(const ConnectionPtr& c);
  void checkDeadlines();
  void takeReturned();
  void dispatch(const ConnectionPtr& c);
  void serve(const ConnectionPtr& c);
  /// Logs a refusal and hands it to the refusal hook (audit), before its answer is sent.
  void reportRefusal(const std::string& peer, const std::string& requestId, int status,
                     const std::string& reason);
  void refuse(const ConnectionPtr& c, int status, const std::string& reason);
  void refuseAtAccept(int fd, const std::string& peer, const char* reason);
  void linger(const ConnectionPtr& c);
  void watch(const ConnectionPtr& c);
  void unwatch(const ConnectionPtr& c);
  void release(const ConnectionPtr& c);
  void wakePoller();
  void logCounters(bool force);

  FrontConfig config_;
  Poco::Net::ServerSocket listening_;
  Handler handler_;
  RefusalHook onRefused_;
  Poco::Net::HTTPServerParams::Ptr params_;
  int epoll_ = -1;
  int wake_ = -1;
  std::vector<char> peekBuffer_;

  // Poller-owned.
  std::unordered_map<int, ConnectionPtr> polled_;  ///< waiting for bytes, or lingering
  std::map<std::string, std::size_t> refusedCounts_;
  std::map<std::string, std::size_t> cutCounts_;
  std::chrono::steady_clock::time_point lastCountersLog_;
  bool accepting_ = true;
  std::size_t lingering_ = 0;

  // Shared, under mu_.
  mutable std::mutex mu_;
  std::condition_variable readyCv_;
  std::unordered_map<int, ConnectionPtr> open_;  ///< every counted connection
  std::unordered_map<std::string, std::size_t> perPeer_;
  std::deque<ConnectionPtr> ready_;     ///< head complete, waiting for a worker
  std::deque<ConnectionPtr> returned_;  ///< back from a worker, keep-alive
  bool quit_ = false;                   ///< workers and poller end

  std::atomic<bool> stopping_{false};  ///< no new requests on kept-alive connections
  std::atomic<bool> pollerStopAccepting_{false};
  std::thread poller_;
  std::vector<std::thread> workers_;
};

}  // namespace fhirgw::gateway
