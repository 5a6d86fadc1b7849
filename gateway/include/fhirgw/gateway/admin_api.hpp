#pragma once

#include <functional>

#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The administrator API of admin-and-ops.md available so far: API clients and their keys,
/// declared practitioner activity (TLC-ACTIVITY-CAP), the audit trail, and deliveries (watch and
/// replay dead letters).
class AdminApi {
 public:
  /// deliveriesQueued (may be empty) wakes the delivery engine after a retry.
  AdminApi(store::Store& store, const Authenticator& auth, std::function<void()> deliveriesQueued)
      : store_(store), auth_(auth), deliveriesQueued_(std::move(deliveriesQueued)) {}
  /// Adds the /admin/v1 routes.
  void registerRoutes(Router& router);

 private:
  void createClient(Exchange& ex);
  void listClients(Exchange& ex);
  void getClient(Exchange& ex);
  void disableClient(Exchange& ex);
  void addKey(Exchange& ex);
  void putActivity(Exchange& ex);
  void getActivity(Exchange& ex);
  void queryAudit(Exchange& ex);
  void listDeliveries(Exchange& ex);
  void getDelivery(Exchange& ex);
  void retryDelivery(Exchange& ex);
  void retryDeliveries(Exchange& ex);

  store::Store& store_;
  const Authenticator& auth_;
  std::function<void()> deliveriesQueued_;
};

}  // namespace fhirgw::gateway
