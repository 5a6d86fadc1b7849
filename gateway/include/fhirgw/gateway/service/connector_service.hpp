#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/gateway/service/route_snapshot.hpp"
#include "fhirgw/store/audit_log.hpp"
#include "fhirgw/store/connector_store.hpp"

namespace fhirgw::gateway {

/// Where a connector instance comes from.
enum class ConnectorSource {
  kFile,  ///< the configuration file's `connectors`: read-only through the API
  kApi,   ///< created through the admin API, kept in the store
};

/// One instance as the admin API shows it: never a secret value.
struct ConnectorView {
  ConnectorSource source = ConnectorSource::kFile;
  /// id, type, enabled, routes, workers, retry, circuitBreaker (effective values) and options
  /// without their secret members.
  common::Json instance;
  std::vector<std::string> secrets;  ///< the secret option keys that are set ("bearerToken")
  bool running = false;              ///< its workers run in the delivery engine
  std::int64_t version = 0;          ///< kApi: the stored version
  std::optional<common::TimePoint> createdAt;  ///< kApi
  std::optional<common::TimePoint> updatedAt;  ///< kApi
};

/// One problem of a submitted instance: its key path ("connector.options.baseUrl") and the
/// parser's message, which names the path too.
struct ConnectorProblem {
  std::string path;
  std::string message;
};

/// What a change decided: ok with the instance's view, or a failure (kInvalidArgument with its
/// problems; kAlreadyExists, kAborted for a stale version or a read-only instance, kNotFound,
/// kUnavailable from the store).
struct ConnectorChange {
  common::Status status;
  std::vector<ConnectorProblem> problems;
  std::optional<ConnectorView> view;
};

/// The outcome of a connection test: the connector's probe and how long it took.
struct ConnectorProbe {
  connectors::ProbeResult result;
  std::chrono::milliseconds duration{0};
};

/// What a sync() found in the store and applied here.
struct ConnectorSync {
  int added = 0;     ///< stored instances this process did not run yet
  int replaced = 0;  ///< stored at another version than the one running here
  int removed = 0;   ///< running here, no longer stored
  int refused = 0;   ///< stored, but not opened here (logged once per version; the old one runs)
};

/// Who asks for a change (for the audit trail).
struct AdminCaller {
  std::string clientId;
  std::string requestId;
};

/// The connector administration use case (admin-and-ops.md, docs/connectors.md "Connector
/// administration"): owns the current instances, the configuration file's (read-only) and the
/// store's (API-managed), keeps the delivery engine and the routing snapshot in step with them,
/// seals secrets before they are stored and audits every change (key paths, never a value).
/// Changes are serialised; reads and the route snapshot never wait for one. No HTTP here.
class ConnectorService {
 public:
  /// What the service uses; everything must outlive it.
  struct Deps {
    store::ConnectorStore& store;
    store::AuditLog& audit;
    const connectors::ConnectorRegistry& registry;
    connectors::ConnectorContext context;
    connectors::DeliveryEngine& engine;
    /// The key sealing secrets at rest (secrets.keyFile / keyVariable); null: none configured,
    /// and an instance with a secret option is refused.
    const common::SecretBox* secretBox = nullptr;
    /// How long a change waits for the attempts in progress of a replaced or removed instance.
    std::chrono::milliseconds grace{std::chrono::seconds(10)};
  };

  explicit ConnectorService(Deps deps);
  ~ConnectorService();
  ConnectorService(const ConnectorService&) = delete;
  ConnectorService& operator=(const ConnectorService&) = delete;

  /// Start-up: the configuration file's instances (already created), then the store's, each
  /// added to the engine. A stored instance that cannot be opened (its secret sealed with
  /// another key, options no longer valid) is kInvalidArgument naming its id: the gateway then
  /// exits 78 (docs/connectors.md says why); a store failure is returned as it is.
  common::Status load(std::vector<connectors::ConnectorInstance> fileInstances);

  /// Brings the API instances in step with the store, where another gateway instance sharing it
  /// (PostgreSQL) may have created, changed or deleted some: each stored row whose version
  /// differs from the one running here is opened and added or replaced in the engine, each one
  /// no longer stored is removed. The change was audited where it was made. A row that cannot
  /// be opened here (its secrets sealed with another key, a clash with a file instance) is
  /// refused and logged once per version; the previous instance, if any, keeps running. The
  /// gateway calls it every storage.connectorSyncIntervalMs; a store failure is returned.
  common::Result<ConnectorSync> sync();

  /// The instances routing sees now; swapped whole on every change.
  RouteSnapshot routes() const;
  /// A provider of routes() for the submission service.
  RouteProvider routeProvider() const;

  /// Every instance: the file's in their order, then the API's by id.
  std::vector<ConnectorView> list() const;
  /// One instance; kNotFound if unknown.
  common::Result<ConnectorView> get(std::string_view id) const;

  /// Creates an instance from its object (as in the configuration file), checked by the same
  /// parser and factory; stored with its secrets sealed, started if enabled, routed, audited.
  ConnectorChange create(const common::Json& body, const AdminCaller& caller);
  /// Replaces an API instance wholly. `version` in the body, or `ifMatch`, must be the stored
  /// one; a secret key left out keeps its stored value, null removes it. In-flight attempts
  /// finish under the old settings.
  ConnectorChange replace(std::string_view id, const common::Json& body,
                          std::optional<std::int64_t> ifMatch, const AdminCaller& caller);
  /// Tests an instance's connection with its own connector and settings, file or API, enabled
  /// or not (Connector::probe: a TCP connect and TLS handshake, an SMTP EHLO and STARTTLS, a
  /// folder write; nothing is delivered). Does not wait for a change. kNotFound if unknown.
  common::Result<ConnectorProbe> test(std::string_view id, std::stop_token stop = {}) const;
  /// Deletes an API instance (its queued deliveries stay, visible and re-routable).
  common::Status remove(std::string_view id, std::optional<std::int64_t> ifMatch,
                        const AdminCaller& caller);

 private:
  struct Instance;
  struct Prepared;

  common::Result<Instance> openStored(store::StoredConnector row) const;
  Prepared prepare(const common::Json& body, const Instance* existing) const;
  ConnectorView viewOf(const Instance& instance) const;
  std::vector<std::string> secretKeysOf(std::string_view type) const;
  void publishRoutes();  // with stateMutex_ held
  void auditChange(std::string_view action, std::string_view id, const AdminCaller& caller,
                   const std::vector<std::string>& changed);
  Instance* findLocked(std::string_view id);

  Deps d_;
  std::mutex changeMutex_;           // one administrative change at a time
  mutable std::mutex stateMutex_;    // instances_ and routes_
  std::vector<Instance> instances_;  // the file's first (in order), then the API's by id
  RouteSnapshot routes_;
  std::map<std::string, std::int64_t> refusedVersions_;  // sync(): id -> version logged (change)
};

}  // namespace fhirgw::gateway
