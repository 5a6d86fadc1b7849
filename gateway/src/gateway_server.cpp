#include "fhirgw/gateway/gateway_server.hpp"

#include <rapidjson/document.h>

#include "fhirgw/gateway/http_status.hpp"

namespace fhirgw::gateway {

GatewayServer::GatewayServer(GatewayConfig config, Dependencies deps)
    : config_(std::move(config)), deps_(std::move(deps)) {}

GatewayServer::~GatewayServer() { stop(); }

void GatewayServer::registerRoutes() {
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
  api_ = std::make_unique<Listener>("api", config_.server, apiRouter_);
  admin_ = std::make_unique<Listener>("admin", config_.admin.listener, adminRouter_);
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
