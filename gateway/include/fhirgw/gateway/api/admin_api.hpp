#pragma once

#include <functional>
#include <string_view>

#include "fhirgw/gateway/router.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/gateway/service/encryption_rotation.hpp"
#include "fhirgw/gateway/service/record_lookup.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The administrator API of admin-and-ops.md available so far: API clients and their keys,
/// declared practitioner activity (TLC-ACTIVITY-CAP), the audit trail, records (identifiers and
/// metadata), deliveries (watch and replay dead letters) and connector instances (administered
/// live). One file per resource in
/// src/api/admin/.
class AdminApi {
 public:
  /// deliveriesQueued (may be empty) wakes the delivery engine after a retry or re-route;
  /// connectorRunning tells whether a connector instance runs now (a re-route's target; empty:
  /// none does); without a connector service (null) the /admin/v1/connectors routes are not
  /// served, without a rotation (null) the /admin/v1/storage routes.
  AdminApi(store::Store& store, std::function<void()> deliveriesQueued,
           std::function<bool(std::string_view)> connectorRunning = {},
           ConnectorService* connectors = nullptr, EncryptionRotation* rotation = nullptr)
      : store_(store),
        deliveriesQueued_(std::move(deliveriesQueued)),
        connectorRunning_(std::move(connectorRunning)),
        connectors_(connectors),
        rotation_(rotation),
        records_(store, store) {}
  /// Adds the /admin/v1 routes, each for administrator keys only (checked by the router's gate).
  void registerRoutes(Router& router);

 private:
  // api/admin/clients.cpp
  void createClient(Exchange& ex);
  void listClients(Exchange& ex);
  void getClient(Exchange& ex);
  void disableClient(Exchange& ex);
  void addKey(Exchange& ex);
  void listKeys(Exchange& ex);
  void revokeKey(Exchange& ex);
  // api/admin/activity.cpp
  void putActivity(Exchange& ex);
  void getActivity(Exchange& ex);
  // api/admin/audit.cpp
  void queryAudit(Exchange& ex);
  // api/admin/records.cpp
  void getRecord(Exchange& ex);
  // api/admin/deliveries.cpp
  void listDeliveries(Exchange& ex);
  void getDelivery(Exchange& ex);
  void retryDelivery(Exchange& ex);
  void retryDeliveries(Exchange& ex);
  void rerouteDeliveries(Exchange& ex);
  // api/admin/connectors.cpp
  void listConnectors(Exchange& ex);
  void getConnector(Exchange& ex);
  void createConnector(Exchange& ex);
  void testConnector(Exchange& ex);
  void replaceConnector(Exchange& ex);
  void deleteConnector(Exchange& ex);
  // api/admin/storage.cpp
  void getStorageEncryption(Exchange& ex);
  void rotateStorageKeys(Exchange& ex);

  store::Store& store_;
  std::function<void()> deliveriesQueued_;
  std::function<bool(std::string_view)> connectorRunning_;
  ConnectorService* connectors_;
  EncryptionRotation* rotation_;
  RecordLookup records_;
};

}  // namespace fhirgw::gateway
