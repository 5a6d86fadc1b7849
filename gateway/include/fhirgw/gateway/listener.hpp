#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fhirgw/common/status.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/router.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace fhirgw::gateway {

/// One HTTP(S) listener: a Poco HTTPServer whose every request goes through a Router, with
/// request ids, a catch-all and a JSON access-log line.
class Listener {
 public:
  /// Called once per request after it was answered (audit trail); must not throw.
  using CompletionHook = std::function<void(const Exchange&)>;

  /// name is "api" or "admin" (logs); the router must outlive the listener.
  Listener(std::string name, ListenerConfig config, const Router& router,
           CompletionHook onComplete = {});
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Binds and starts accepting. kInvalidArgument for TLS files that cannot be loaded,
  /// kUnavailable when the address cannot be bound.
  common::Status start();
  /// The bound port (useful when the configured port is 0).
  std::uint16_t port() const { return port_; }
  bool tls() const { return config_.tls.has_value(); }
  /// Stops accepting, lets in-flight requests finish for up to grace, then aborts the rest.
  /// Returns true when everything finished within grace.
  bool stop(std::chrono::milliseconds grace);

 private:
  std::string name_;
  ListenerConfig config_;
  const Router& router_;
  CompletionHook onComplete_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace fhirgw::gateway
