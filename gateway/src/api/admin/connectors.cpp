// /admin/v1/connectors: connector instances administered live (the connector service).
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "admin_body.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

using common::Json;

// The answer's view: the instance's settings, where it comes from, which secrets are set (never
// their values) and whether it runs.
Json connectorJson(const ConnectorView& v) {
  Json out = v.instance;
  const bool file = v.source == ConnectorSource::kFile;
  out.set("source", file ? "file" : "api");
  if (file) {
    out.set("readOnly", Json::boolean(true));
  } else {
    out.set("version", Json::integer(v.version));
  }
  Json secrets = Json::array();
  for (const std::string& key : v.secrets) secrets.push(key);
  out.set("secrets", std::move(secrets));
  out.set("state", v.running ? "running" : "disabled");
  if (v.createdAt) out.set("createdAt", common::formatInstantUtc(*v.createdAt));
  if (v.updatedAt) out.set("updatedAt", common::formatInstantUtc(*v.updatedAt));
  return out;
}

void sendView(Exchange& ex, int status, const ConnectorView& v) {
  ex.send(status, kJson, connectorJson(v).serialize());
}

// If-Match: "3", W/"3" or 3; nullopt when absent, kInvalidArgument when not a version.
common::Result<std::optional<std::int64_t>> ifMatchOf(const Exchange& ex) {
  std::string text = ex.header("If-Match");
  if (text.empty()) return std::optional<std::int64_t>();
  if (text.rfind("W/", 0) == 0) text.erase(0, 2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || version < 1) {
    return common::invalidArgument("If-Match must be the version of the connector, e.g. \"3\"");
  }
  return std::optional<std::int64_t>(version);
}

AdminCaller callerOf(const Exchange& ex) { return {ex.clientId(), ex.requestId()}; }

void sendChangeFailure(Exchange& ex, const ConnectorChange& change) {
  if (!change.problems.empty()) {
    std::vector<fhir::Issue> issues;
    for (const ConnectorProblem& p : change.problems) {
      issues.push_back(fhir::Issue{.severity = fhir::IssueSeverity::kError,
                                   .code = "value",
                                   .diagnostics = p.message,
                                   .expression = p.path});
    }
    ex.sendOutcome(422, issues);
    return;
  }
  const common::StatusCode code = change.status.code();
  if (code == common::StatusCode::kAlreadyExists || code == common::StatusCode::kAborted ||
      code == common::StatusCode::kNotFound) {
    // The service's own words: which instance, which version, read-only.
    ex.sendStatus(change.status);
    return;
  }
  ex.sendStatus(storeFailure(change.status, "connector", StoreAccess::kWrite));
}

}  // namespace

void AdminApi::listConnectors(Exchange& ex) {
  Json answer = Json::array();
  for (const ConnectorView& v : connectors_->list()) answer.push(connectorJson(v));
  ex.send(200, kJson, answer.serialize());
}

void AdminApi::getConnector(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  auto view = connectors_->get(ex.param("id"));
  if (!view) {
    ex.sendStatus(view.error());
    return;
  }
  sendView(ex, 200, *view);
}

void AdminApi::createConnector(Exchange& ex) {
  auto body = admin::readObject(ex);
  if (!body) return;
  const ConnectorChange change = connectors_->create(*body, callerOf(ex));
  if (!change.status.isOk()) {
    sendChangeFailure(ex, change);
    return;
  }
  const std::string id = change.view->instance.stringAt("id");
  ex.setTarget(id);
  ex.setHeader("Location", "/admin/v1/connectors/" + id);
  ex.setHeader("ETag", "\"" + std::to_string(change.view->version) + "\"");
  sendView(ex, 201, *change.view);
}

void AdminApi::replaceConnector(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  auto ifMatch = ifMatchOf(ex);
  if (!ifMatch) {
    ex.sendError(400, "value", ifMatch.error().message(), "If-Match");
    return;
  }
  auto body = admin::readObject(ex);
  if (!body) return;
  const ConnectorChange change =
      connectors_->replace(ex.param("id"), *body, *ifMatch, callerOf(ex));
  if (!change.status.isOk()) {
    sendChangeFailure(ex, change);
    return;
  }
  ex.setHeader("ETag", "\"" + std::to_string(change.view->version) + "\"");
  sendView(ex, 200, *change.view);
}

void AdminApi::testConnector(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  auto probe = connectors_->test(ex.param("id"));
  if (!probe) {
    ex.sendStatus(probe.error());
    return;
  }
  const connectors::ProbeResult& r = probe->result;
  Json out = Json::object();
  out.set("ok", Json::boolean(r.ok));
  if (r.errorClass) out.set("errorClass", std::string(connectors::errorClassName(*r.errorClass)));
  if (!r.reason.empty()) out.set("reason", r.reason);
  if (!r.message.empty()) out.set("message", r.message);
  if (!r.endpoint.empty()) out.set("endpoint", r.endpoint);
  out.set("durationMs", Json::integer(probe->duration.count()));
  ex.send(200, kJson, out.serialize());
}

void AdminApi::deleteConnector(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  auto ifMatch = ifMatchOf(ex);
  if (!ifMatch) {
    ex.sendError(400, "value", ifMatch.error().message(), "If-Match");
    return;
  }
  const common::Status s = connectors_->remove(ex.param("id"), *ifMatch, callerOf(ex));
  if (!s.isOk()) {
    sendChangeFailure(ex, ConnectorChange{s, {}, std::nullopt});
    return;
  }
  ex.send(204, kJson, "");
}

}  // namespace fhirgw::gateway
