#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/gateway/anonymous_audit.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/gateway_metrics.hpp"
#include "fhirgw/gateway/listener.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/gateway/service/route_snapshot.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The running gateway: the API and admin listeners with their routes. Tests start it in-process
/// on port 0; the application wraps it with configuration and signals.
class GatewayServer {
 public:
  /// What the server needs from the rest of the process; all must outlive the server.
  struct Dependencies {
    /// Readiness of the store and workers; ok => /health/ready answers 200.
    std::function<common::Status()> readiness;
    /// The store; without one only the health endpoints are served (listener tests).
    store::Store* store = nullptr;
    /// The rule engine; required with a store.
    const rules::RuleEngine* rules = nullptr;
    /// The FHIR mapper (and its validator); required with a store.
    const mapping::FhirMapper* mapper = nullptr;
    /// Time source of rate limits.
    const common::Clock* clock = &common::SystemClock::instance();
    /// The connector instances deliveries are routed to now, read once per submission (the
    /// connector service's snapshot; empty: every destination is skipped).
    RouteProvider routes;
    /// Called after a commit queued deliveries (wakes the delivery engine).
    std::function<void()> deliveriesQueued;
    /// Whether a connector instance runs now in the delivery engine (an admin re-route's
    /// target must); empty: none does.
    std::function<bool(std::string_view)> connectorRunning;
    /// Connector administration (/admin/v1/connectors); null: those routes are not served.
    ConnectorService* connectors = nullptr;
    /// Where requests and submissions are counted and GET /metrics reads; null: the server's
    /// own, reading the store only (no delivery engine).
    GatewayMetrics* metrics = nullptr;
    /// The key rotation of encryption at rest (/admin/v1/storage); null: not served.
    EncryptionRotation* rotation = nullptr;
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
  /// Connections open on the API listener now (tests, metrics).
  std::size_t apiOpenConnections() const;
  const GatewayConfig& config() const { return config_; }

 private:
  void registerRoutes();
  void fitConnectionCapsToDescriptors();
  void audit(const Exchange& exchange);
  void auditRefusal(const ListenerRefusal& refusal);
  /// Writes entry, if any (unless an anonymous one is only counted), and any summaries now due.
  void appendAudit(const std::optional<store::NewAuditEntry>& entry,
                   const std::string& anonymousPeer);

  GatewayConfig config_;
  Dependencies deps_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<AccessGate> gate_;  // checks route policies for both routers
  Router apiRouter_;
  Router adminRouter_;
  std::unique_ptr<GatewayMetrics> ownMetrics_;
  GatewayMetrics* metrics_;
  std::unique_ptr<EditorApi> editorApi_;
  std::unique_ptr<AdminApi> adminApi_;
  std::unique_ptr<Listener> api_;
  std::unique_ptr<Listener> admin_;
  std::mutex auditMutex_;
  AnonymousAuditLimiter anonymousAudit_{std::chrono::minutes(1), 1000};
};

}  // namespace fhirgw::gateway
