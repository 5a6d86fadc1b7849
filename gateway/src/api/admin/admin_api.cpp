#include "fhirgw/gateway/api/admin_api.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "admin_body.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/gateway/json_io.hpp"

namespace fhirgw::gateway {
namespace admin {

constexpr std::size_t kMaxAdminBody = std::size_t{64} * 1024;

std::optional<common::Json> readObject(Exchange& ex) {
  return readJsonObjectTree(ex, kMaxAdminBody, common::JsonLimits{});
}

void BodyIssues::push(std::string code, const std::string& path, std::string diagnostics) {
  issues_.push_back(fhir::Issue{.severity = fhir::IssueSeverity::kError,
                                .code = std::move(code),
                                .diagnostics = std::move(diagnostics),
                                .expression = path});
}

void BodyIssues::wrongValue(const std::string& path, std::string_view expected,
                            const common::FieldValue& /*got*/, common::Shown /*shown*/) {
  push("value", path, path + " must be " + std::string(expected));
}

void BodyIssues::missing(const std::string& path) { push("required", path, path + " is required"); }

void BodyIssues::unknownKey(const std::string& path, std::string_view /*key*/) {
  push(unknownCode_, path, "unknown field");
}

// Not reached: the body's parse refuses a name given twice.
void BodyIssues::duplicateKey(const std::string& path) {
  push("structure", path, "duplicate field");
}

void BodyIssues::error(const std::string& path, std::string_view message) {
  push("value", path, std::string(message));
}

}  // namespace admin

void AdminApi::registerRoutes(Router& r) {
  constexpr RoutePolicy kAdmin = RoutePolicy::admin();
  r.add("POST", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { createClient(ex); });
  r.add("GET", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { listClients(ex); });
  r.add("GET", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { getClient(ex); });
  r.add("DELETE", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { disableClient(ex); });
  r.add("POST", "/admin/v1/clients/{id}/keys", kAdmin, [this](Exchange& ex) { addKey(ex); });
  r.add("GET", "/admin/v1/clients/{id}/keys", kAdmin, [this](Exchange& ex) { listKeys(ex); });
  r.add("DELETE", "/admin/v1/clients/{id}/keys/{keyId}", kAdmin,
        [this](Exchange& ex) { revokeKey(ex); });
  r.add("PUT", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { putActivity(ex); });
  r.add("GET", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { getActivity(ex); });
  r.add("GET", "/admin/v1/audit", kAdmin, [this](Exchange& ex) { queryAudit(ex); });
  r.add("GET", "/admin/v1/records/{id}", kAdmin, [this](Exchange& ex) { getRecord(ex); });
  r.add("GET", "/admin/v1/deliveries", kAdmin, [this](Exchange& ex) { listDeliveries(ex); });
  r.add("GET", "/admin/v1/deliveries/{id}", kAdmin, [this](Exchange& ex) { getDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/{id}/retry", kAdmin,
        [this](Exchange& ex) { retryDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/retry", kAdmin,
        [this](Exchange& ex) { retryDeliveries(ex); });
  r.add("POST", "/admin/v1/deliveries/reroute", kAdmin,
        [this](Exchange& ex) { rerouteDeliveries(ex); });
  if (connectors_ != nullptr) {
    r.add("GET", "/admin/v1/connectors", kAdmin, [this](Exchange& ex) { listConnectors(ex); });
    r.add("POST", "/admin/v1/connectors", kAdmin, [this](Exchange& ex) { createConnector(ex); });
    r.add("GET", "/admin/v1/connectors/{id}", kAdmin, [this](Exchange& ex) { getConnector(ex); });
    r.add("PUT", "/admin/v1/connectors/{id}", kAdmin,
          [this](Exchange& ex) { replaceConnector(ex); });
    r.add("DELETE", "/admin/v1/connectors/{id}", kAdmin,
          [this](Exchange& ex) { deleteConnector(ex); });
    r.add("POST", "/admin/v1/connectors/{id}/test", kAdmin,
          [this](Exchange& ex) { testConnector(ex); });
  }
  if (rotation_ != nullptr) {
    r.add("GET", "/admin/v1/storage/encryption", kAdmin,
          [this](Exchange& ex) { getStorageEncryption(ex); });
    r.add("POST", "/admin/v1/storage/rotate", kAdmin,
          [this](Exchange& ex) { rotateStorageKeys(ex); });
  }
}

}  // namespace fhirgw::gateway
