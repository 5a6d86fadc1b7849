#pragma once

#include <functional>

#include "fhirgw/gateway/router.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The administrator API of admin-and-ops.md available so far: API clients and their keys,
/// declared practitioner activity (TLC-ACTIVITY-CAP), the audit trail, and deliveries (watch and
/// replay dead letters). One file per resource in src/api/admin/.
class AdminApi {
 public:
  /// deliveriesQueued (may be empty) wakes the delivery engine after a retry.
  AdminApi(store::Store& store, std::function<void()> deliveriesQueued)
      : store_(store), deliveriesQueued_(std::move(deliveriesQueued)) {}
  /// Adds the /admin/v1 routes, each for administrator keys only (checked by the router's gate).
  void registerRoutes(Router& router);

 private:
  // api/admin/clients.cpp
  void createClient(Exchange& ex);
  void listClients(Exchange& ex);
  void getClient(Exchange& ex);
  void disableClient(Exchange& ex);
  void addKey(Exchange& ex);
  // api/admin/activity.cpp
  void putActivity(Exchange& ex);
  void getActivity(Exchange& ex);
  // api/admin/audit.cpp
  void queryAudit(Exchange& ex);
  // api/admin/deliveries.cpp
  void listDeliveries(Exchange& ex);
  void getDelivery(Exchange& ex);
  void retryDelivery(Exchange& ex);
  void retryDeliveries(Exchange& ex);

  store::Store& store_;
  std::function<void()> deliveriesQueued_;
};

}  // namespace fhirgw::gateway
