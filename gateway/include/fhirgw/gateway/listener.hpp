#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fhirgw/common/status.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/router.hpp"

namespace fhirgw::gateway {

class ConnectionFront;

/// A request refused by the listener itself before routing (bad framing, busy), for the audit.
struct ListenerRefusal {
  std::string listener;  ///< "api" or "admin"
  std::string peer;      ///< client IP address
  std::string requestId;
  int status = 0;
  std::string reason;
};

/// One HTTP(S) listener: a connection front (deadlines, caps, head inspection; see
/// connection_front.hpp) whose every request goes through a Router, with request ids, a
/// catch-all and a JSON access-log line.
class Listener {
 public:
  /// Called once per request after it was answered (audit trail); must not throw.
  using CompletionHook = std::function<void(const Exchange&)>;
  /// Called once per request the listener refused itself; must not throw.
  using RefusalHook = std::function<void(const ListenerRefusal&)>;

  /// name is "api" or "admin" (logs); the router must outlive the listener.
  Listener(std::string name, ListenerConfig config, const Router& router,
           CompletionHook onComplete = {}, RefusalHook onRefused = {});
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Binds and starts accepting. kInvalidArgument for TLS files that cannot be loaded,
  /// kUnavailable when the address cannot be bound.
  common::Status start();
  /// The bound port (useful when the configured port is 0).
  std::uint16_t port() const { return port_; }
  /// Connections open now (counted against the caps).
  std::size_t openConnections() const;
  bool tls() const { return config_.tls.has_value(); }
  /// Stops accepting, lets in-flight requests finish for up to grace, then aborts the rest.
  /// Returns true when everything finished within grace.
  bool stop(std::chrono::milliseconds grace);

 private:
  std::string name_;
  ListenerConfig config_;
  const Router& router_;
  CompletionHook onComplete_;
  RefusalHook onRefused_;
  std::unique_ptr<ConnectionFront> front_;
  std::uint16_t port_ = 0;
};

}  // namespace fhirgw::gateway
