#pragma once

#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The administrator API of admin-and-ops.md available so far: API clients and their keys,
/// declared practitioner activity (TLC-ACTIVITY-CAP) and the audit trail.
class AdminApi {
 public:
  AdminApi(store::Store& store, const Authenticator& auth) : store_(store), auth_(auth) {}
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

  store::Store& store_;
  const Authenticator& auth_;
};

}  // namespace fhirgw::gateway
