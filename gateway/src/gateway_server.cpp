#include "fhirgw/gateway/gateway_server.hpp"

#include <rapidjson/document.h>
#include <sys/resource.h>

#include <optional>
#include <vector>

#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/api/console_routes.hpp"
#include "fhirgw/gateway/api/openapi_assets.hpp"
#include "fhirgw/gateway/api/openapi_routes.hpp"
#include "fhirgw/gateway/http_status.hpp"
#include "fhirgw/gateway/request_audit.hpp"

namespace fhirgw::gateway {

namespace {

// Both routers ask the server's gate, which exists once a store does; without one only open
// routes are registered, and a protected route would be refused rather than served.
Gate gateOf(const std::unique_ptr<AccessGate>& gate) {
  return [&gate](Exchange& ex, const RoutePolicy& policy) {
    if (gate) return gate->admit(ex, policy);
    ex.sendStatus(common::unavailable("no credential store"));
    return false;
  };
}

}  // namespace

GatewayServer::GatewayServer(GatewayConfig config, Dependencies deps)
    : config_(std::move(config)),
      deps_(std::move(deps)),
      apiRouter_(gateOf(gate_)),
      adminRouter_(gateOf(gate_)),
      ownMetrics_(deps_.metrics != nullptr
                      ? nullptr
                      : std::make_unique<GatewayMetrics>(deps_.store, nullptr, *deps_.clock)),
      metrics_(deps_.metrics != nullptr ? deps_.metrics : ownMetrics_.get()) {}

GatewayServer::~GatewayServer() { stop(); }

void GatewayServer::audit(const Exchange& ex) {
  // Every API and admin call is audited, refused ones included; health checks are not actions,
  // nor are successful scrapes (every 15 s, they would drown the trail; a refused one stays), nor
  // the console's static files (the calls the console then makes are audited as any other).
  if (deps_.store == nullptr || ex.route().rfind("/health/", 0) == 0) return;
  if (ex.route() == "/metrics" && ex.responseStatus() == 200) return;
  if (ex.route() == "/console" || ex.route().rfind("/console/", 0) == 0) return;
  // An accepted submission stored its entry in its own transaction (one durable commit).
  if (ex.audited()) {
    appendAudit(std::nullopt, {});
    return;
  }
  appendAudit(requestAuditEntry(ex), ex.clientId().empty() ? ex.peer() : std::string());
}

void GatewayServer::auditRefusal(const ListenerRefusal& refusal) {
  if (deps_.store == nullptr) return;
  store::NewAuditEntry entry;
  entry.actor = "anonymous";
  entry.action = "refused " + refusal.listener + " request";
  entry.outcome = std::to_string(refusal.status);
  entry.requestId = refusal.requestId;
  appendAudit(entry, refusal.peer);
}

void GatewayServer::appendAudit(const std::optional<store::NewAuditEntry>& entry,
                                const std::string& anonymousPeer) {
  std::vector<store::NewAuditEntry> rows;
  {
    // Anonymous callers are not accountable: one row per peer, action and outcome per window,
    // plus a counted summary, so that a flood of refused requests cannot fill the disk.
    std::lock_guard lock(auditMutex_);
    const common::TimePoint now = deps_.clock->now();
    rows = anonymousAudit_.due(now);
    if (entry && (anonymousPeer.empty() || anonymousAudit_.admit(anonymousPeer, *entry, now))) {
      rows.push_back(*entry);
    }
  }
  for (const store::NewAuditEntry& row : rows) {
    if (auto id = deps_.store->appendAudit(row); !id) {
      common::Log::error(
          "gateway.audit-append-failed",
          {{"requestId", row.requestId}, {"code", common::statusCodeName(id.error().code())}});
    }
  }
}

void GatewayServer::registerRoutes() {
  if (deps_.store != nullptr && deps_.rules != nullptr && deps_.mapper != nullptr) {
    auth_ = std::make_unique<Authenticator>(*deps_.store, config_.admin.token);
    limiter_ = std::make_unique<RateLimiter>(*deps_.clock, deps_.store->sharedRateLimits());
    gate_ = std::make_unique<AccessGate>(*auth_, *limiter_);
    editorApi_ = std::make_unique<EditorApi>(EditorApi::Deps{
        *deps_.store, *deps_.rules, *deps_.mapper, *deps_.clock, config_.limits, deps_.routes,
        deps_.deliveriesQueued, [this](std::string_view kind, const SubmissionResult& result) {
          metrics_->submissionDecided(kind, result);
        }});
    editorApi_->registerRoutes(apiRouter_);
    adminApi_ =
        std::make_unique<AdminApi>(*deps_.store, deps_.deliveriesQueued, deps_.connectorRunning,
                                   deps_.connectors, deps_.rotation);
    adminApi_->registerRoutes(adminRouter_);
  }
  // The OpenAPI documents (and their reference pages) need no store: they describe, hold nothing.
  registerOpenApiRoutes(apiRouter_, "/api/v1", openapi::editorDocument());
  registerOpenApiRoutes(adminRouter_, "/admin/v1", openapi::adminDocument());
  // The admin console: static files only, the data comes from the admin API above.
  registerConsoleRoutes(adminRouter_);
  adminRouter_.add("GET", "/health/live", RoutePolicy::open(), [](Exchange& ex) {
    rapidjson::Document body(rapidjson::kObjectType);
    body.AddMember("status", "live", body.GetAllocator());
    ex.sendJson(200, body);
  });
  // Admin credentials, as every admin route: the figures describe the activity of clients.
  adminRouter_.add("GET", "/metrics", RoutePolicy::admin(), [this](Exchange& ex) {
    ex.send(200, common::kPrometheusTextType, metrics_->scrape());
  });
  adminRouter_.add("GET", "/health/ready", RoutePolicy::open(), [this](Exchange& ex) {
    const common::Status ready = deps_.readiness ? deps_.readiness() : common::Status::ok();
    if (!ready.isOk()) {
      ex.sendError(503, "transient", "not ready: " + ready.message());
      return;
    }
    rapidjson::Document body(rapidjson::kObjectType);
    body.AddMember("status", "ready", body.GetAllocator());
    ex.sendJson(200, body);
  });
}

void GatewayServer::fitConnectionCapsToDescriptors() {
  // Every connection is a descriptor: raise the soft limit to the hard one and keep the caps
  // below it (with room for the store, logs, lingering refusals and outbound connections), so
  // that the caps, not EMFILE, are what a flood of connections meets.
  constexpr rlim_t kReserve = 1024;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
    (void)::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t budget = limit.rlim_cur > kReserve ? limit.rlim_cur - kReserve : limit.rlim_cur / 2;
  const auto admin = static_cast<rlim_t>(config_.admin.listener.maxConnections);
  const auto api = static_cast<rlim_t>(config_.server.maxConnections);
  if (api + admin <= budget) return;
  const rlim_t lowered = budget > admin + 1 ? budget - admin : 1;
  common::Log::warning("gateway.connection-cap-lowered",
                       {{"listener", "api"},
                        {"configured", config_.server.maxConnections},
                        {"effective", static_cast<std::int64_t>(lowered)},
                        {"openFileLimit", static_cast<std::int64_t>(limit.rlim_cur)}});
  config_.server.maxConnections = static_cast<int>(lowered);
}

common::Status GatewayServer::start() {
  registerRoutes();
  fitConnectionCapsToDescriptors();
  auto hook = [this](const std::string& listener) {
    return [this, listener](const Exchange& ex) {
      // Measured before the audit write, which is not part of the answer.
      metrics_->requestServed(listener, ex.method(), ex.route(), ex.responseStatus(),
                              std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - ex.startedAt()));
      audit(ex);
    };
  };
  auto refused = [this](const ListenerRefusal& r) {
    metrics_->requestServed(r.listener, "", "(front)", r.status, std::nullopt);
    auditRefusal(r);
  };
  api_ = std::make_unique<Listener>("api", config_.server, apiRouter_, hook("api"), refused);
  admin_ = std::make_unique<Listener>("admin", config_.admin.listener, adminRouter_, hook("admin"),
                                      refused);
  FHIRGW_RETURN_IF_ERROR(api_->start());
  if (common::Status s = admin_->start(); !s.isOk()) {
    api_->stop(std::chrono::milliseconds(0));
    return s;
  }
  return common::Status::ok();
}

bool GatewayServer::stop() {
  bool drained = true;
  // The API listener drains first: the admin listener keeps answering health checks meanwhile.
  if (api_) drained = api_->stop(config_.shutdownGrace) && drained;
  if (admin_) drained = admin_->stop(config_.shutdownGrace) && drained;
  api_.reset();
  admin_.reset();
  if (deps_.store != nullptr) {
    std::vector<store::NewAuditEntry> rows;
    {
      std::lock_guard lock(auditMutex_);
      rows = anonymousAudit_.due(deps_.clock->now(), /*flushAll=*/true);
    }
    for (const store::NewAuditEntry& row : rows) (void)deps_.store->appendAudit(row);
  }
  return drained;
}

std::uint16_t GatewayServer::apiPort() const { return api_ ? api_->port() : 0; }
std::uint16_t GatewayServer::adminPort() const { return admin_ ? admin_->port() : 0; }
std::size_t GatewayServer::apiOpenConnections() const { return api_ ? api_->openConnections() : 0; }

}  // namespace fhirgw::gateway
