#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "fhirgw/common/status.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/listener.hpp"
#include "fhirgw/gateway/router.hpp"

namespace fhirgw::gateway {

/// The running gateway: the API and admin listeners with their routes. Tests start it in-process
/// on port 0; the application wraps it with configuration and signals.
class GatewayServer {
 public:
  /// What the server needs from the rest of the process.
  struct Dependencies {
    /// Readiness of the store and workers; ok => /health/ready answers 200.
    std::function<common::Status()> readiness;
  };

  GatewayServer(GatewayConfig config, Dependencies deps);
  ~GatewayServer();

  /// Registers the routes and starts both listeners.
  common::Status start();
  /// Stops both listeners, draining in-flight requests for up to the configured grace.
  /// Returns true when every in-flight request finished in time.
  bool stop();

  std::uint16_t apiPort() const;
  std::uint16_t adminPort() const;
  const GatewayConfig& config() const { return config_; }

 private:
  void registerRoutes();

  GatewayConfig config_;
  Dependencies deps_;
  Router apiRouter_;
  Router adminRouter_;
  std::unique_ptr<Listener> api_;
  std::unique_ptr<Listener> admin_;
};

}  // namespace fhirgw::gateway
