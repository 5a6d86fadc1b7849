#include "fhirgw/gateway/api/admin_api.hpp"

#include <string_view>

#include "admin_body.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/gateway/json_io.hpp"

namespace fhirgw::gateway {
namespace admin {

constexpr std::size_t kMaxAdminBody = std::size_t{64} * 1024;

std::optional<common::JsonDocument> readObject(Exchange& ex) {
  return readJsonObjectBody(ex, kMaxAdminBody, common::JsonLimits{});
}

std::optional<std::int64_t> jsonInteger(const common::JsonDocument& doc,
                                        const rapidjson::Value& v) {
  if (!doc.isNumber(v)) return std::nullopt;
  return common::parseStrictInteger(std::string_view(v.GetString(), v.GetStringLength()));
}

}  // namespace admin

void AdminApi::registerRoutes(Router& r) {
  constexpr RoutePolicy kAdmin = RoutePolicy::admin();
  r.add("POST", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { createClient(ex); });
  r.add("GET", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { listClients(ex); });
  r.add("GET", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { getClient(ex); });
  r.add("DELETE", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { disableClient(ex); });
  r.add("POST", "/admin/v1/clients/{id}/keys", kAdmin, [this](Exchange& ex) { addKey(ex); });
  r.add("PUT", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { putActivity(ex); });
  r.add("GET", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { getActivity(ex); });
  r.add("GET", "/admin/v1/audit", kAdmin, [this](Exchange& ex) { queryAudit(ex); });
  r.add("GET", "/admin/v1/deliveries", kAdmin, [this](Exchange& ex) { listDeliveries(ex); });
  r.add("GET", "/admin/v1/deliveries/{id}", kAdmin, [this](Exchange& ex) { getDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/{id}/retry", kAdmin,
        [this](Exchange& ex) { retryDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/retry", kAdmin,
        [this](Exchange& ex) { retryDeliveries(ex); });
}

}  // namespace fhirgw::gateway
