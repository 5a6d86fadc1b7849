#include "fhirgw/gateway/gateway_server.hpp"

#include <rapidjson/document.h>

#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/http_status.hpp"

namespace fhirgw::gateway {

GatewayServer::GatewayServer(GatewayConfig config, Dependencies deps)
    : config_(std::move(config)), deps_(std::move(deps)) {}

GatewayServer::~GatewayServer() { stop(); }

void GatewayServer::audit(const Exchange& ex) {
  // Every API and admin call is audited, refused ones included; health checks are not actions.
  if (deps_.store == nullptr || ex.route().rfind("/health/", 0) == 0) return;
  store::NewAuditEntry entry;
  entry.actor = ex.clientId().empty() ? "anonymous" : ex.clientId();
  entry.action = ex.method() + " " + ex.route();
  entry.target = ex.target().empty() ? ex.param("id") : ex.target();
  entry.outcome = std::to_string(ex.responseStatus());
  entry.requestId = ex.requestId();
  if (auto id = deps_.store->appendAudit(entry); !id) {
    common::Log::error(
        "audit-append-failed",
        {{"requestId", ex.requestId()}, {"code", common::statusCodeName(id.error().code())}});
  }
}

void GatewayServer::registerRoutes() {
  if (deps_.store != nullptr && deps_.rules != nullptr && deps_.mapper != nullptr) {
    auth_ = std::make_unique<Authenticator>(*deps_.store, config_.admin.token);
    limiter_ = std::make_unique<RateLimiter>(*deps_.clock);
    editorApi_ = std::make_unique<EditorApi>(
        EditorApi::Deps{*deps_.store, *deps_.rules, *deps_.mapper, *auth_, *limiter_, *deps_.clock,
                        config_.limits, deps_.routes, deps_.deliveriesQueued});
    editorApi_->registerRoutes(apiRouter_);
    adminApi_ = std::make_unique<AdminApi>(*deps_.store, *auth_, deps_.deliveriesQueued);
    adminApi_->registerRoutes(adminRouter_);
  }
  adminRouter_.add("GET", "/health/live", [](Exchange& ex) {
    rapidjson::Document body(rapidjson::kObjectType);
    body.AddMember("status", "live", body.GetAllocator());
    ex.sendJson(200, body);
  });
  adminRouter_.add("GET", "/health/ready", [this](Exchange& ex) {
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

common::Status GatewayServer::start() {
  registerRoutes();
  auto hook = [this](const Exchange& ex) { audit(ex); };
  api_ = std::make_unique<Listener>("api", config_.server, apiRouter_, hook);
  admin_ = std::make_unique<Listener>("admin", config_.admin.listener, adminRouter_, hook);
  if (common::Status s = api_->start(); !s.isOk()) return s;
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
  return drained;
}

std::uint16_t GatewayServer::apiPort() const { return api_ ? api_->port() : 0; }
std::uint16_t GatewayServer::adminPort() const { return admin_ ? admin_->port() : 0; }

}  // namespace fhirgw::gateway
