#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/rules/rule_config.hpp"

namespace fhirgw::gateway {

/// TLS of a listener (server side).
struct TlsConfig {
  std::string certificateFile;            ///< PEM certificate chain of the listener
  std::string privateKeyFile;             ///< PEM private key
  std::string caFile;                     ///< PEM CAs trusted for client certificates
  bool requireClientCertificate = false;  ///< mutual TLS: refuse clients without a valid cert
};

/// One HTTP listener.
struct ListenerConfig {
  std::string host;
  std::uint16_t port = 0;                           ///< 0 picks a free port (tests)
  int maxThreads = 16;                              ///< worker threads of the listener
  int maxQueued = 64;                               ///< accepted connections waiting for a thread
  std::chrono::milliseconds receiveTimeout{30000};  ///< per read: a second guard on slow clients
  std::optional<TlsConfig> tls;                     ///< set => HTTPS (TLS 1.2+ only)
  /// Total time for request line + headers, from accept or from a kept-alive request's first byte.
  std::chrono::milliseconds headerTimeout{10000};
  /// Total time after the head: body, handling and answer.
  std::chrono::milliseconds bodyTimeout{30000};
  std::chrono::milliseconds keepAliveTimeout{15000};  ///< idle time between two requests
  int maxConnections = 1024;       ///< open connections; beyond: 503 (TLS: closed)
  int maxConnectionsPerPeer = 64;  ///< open connections from one IP address
  std::size_t maxRequestLineBytes = std::size_t{8} * 1024;  ///< beyond: 414
  std::size_t maxHeaderBytes = std::size_t{32} * 1024;      ///< header section; beyond: 431
  std::size_t maxHeaderCount = 100;                         ///< header fields; beyond: 431
};

/// A listener on host:port with maxThreads workers, the other fields at their defaults.
inline ListenerConfig listenerOn(std::string host, std::uint16_t port, int maxThreads = 16,
                                 int maxConnections = 1024, int maxConnectionsPerPeer = 64) {
  ListenerConfig listener;
  listener.host = std::move(host);
  listener.port = port;
  listener.maxThreads = maxThreads;
  listener.maxConnections = maxConnections;
  listener.maxConnectionsPerPeer = maxConnectionsPerPeer;
  return listener;
}

/// Request limits of the API listener.
struct LimitsConfig {
  std::size_t maxBodyBytes = std::size_t{10} * 1024 * 1024;
  unsigned maxJsonDepth = 64;
  std::size_t maxStringBytes = std::size_t{12} * 1024 * 1024;
  std::size_t maxArrayLength = 10000;
  /// Documents in one teleconsultation body; each one fans out to several deliveries.
  std::size_t maxDocumentsPerRequest = 20;
  /// Documents a record may hold in all (its own plus those added later).
  std::size_t maxDocumentsPerRecord = 100;
};

/// Encryption at rest of what the store keeps of health data (`storage.encryption.*`): off
/// when no active key is given.
struct StorageEncryptionConfig {
  std::string keyFile;      ///< the active key: a file holding 32 bytes as base64 or hex
  std::string keyVariable;  ///< or: an environment variable holding it (not a FHIRGW_* name)
  /// Keys that sealed values before the active one: they only open (until a rotation is done).
  std::vector<std::string> previousKeyFiles;
  std::vector<std::string> previousKeyVariables;
  std::size_t rotationBatchSize = 200;          ///< values sealed again per write transaction
  std::chrono::milliseconds rotationPause{50};  ///< between two rotation batches
};

/// Storage: SQLite in dataDir unless url selects PostgreSQL.
struct StorageConfig {
  std::string dataDir = "data";
  std::string url;  ///< empty => sqlite:<dataDir>/gateway.db; "postgresql://..." (not yet)
  /// PostgreSQL: the file holding the password, or the variable holding it (not both).
  std::string passwordFile;
  std::string passwordVariable;
  std::size_t connections = 16;  ///< PostgreSQL: connections per instance
  /// How often expired idempotency entries are deleted (a pass also runs at start).
  std::chrono::milliseconds idempotencyPurgeInterval{std::chrono::hours(1)};
  /// How often the connector instances administered through the API are read again from the
  /// store, for the changes another gateway instance sharing it made (ConnectorService::sync).
  std::chrono::milliseconds connectorSyncInterval{std::chrono::seconds(5)};
  /// The name of this instance among those sharing the store: its delivery leases carry it, and
  /// at start it takes back the unfinished claims bearing it. Empty => "gateway-<host name>".
  std::string instanceId;
  /// How long a delivery claim lasts (connectors::EngineOptions::lease): another instance takes
  /// over a dead one's claims once it has run out. Must outlast min(30 s, lease / 2) plus the
  /// longest attempt (the connectors' timeoutMs), which is documented, not checked.
  std::chrono::milliseconds deliveryLease{std::chrono::minutes(5)};
  StorageEncryptionConfig encryption;  ///< `storage.encryption.*`
};

/// Retention (`retention.*`, docs/operations.md#retention): how long what the store keeps lives.
/// A period of zero keeps for ever.
struct RetentionConfig {
  /// Record, document and FHIR resource content, and delivered payloads' targets and messages.
  std::chrono::milliseconds contentPeriod{std::chrono::hours(24 * 30)};
  /// Records' metadata (ids, hashes, statuses, deliveries and attempts); at least contentPeriod.
  std::chrono::milliseconds metadataPeriod{std::chrono::hours(24 * 365)};
  std::chrono::milliseconds auditPeriod{std::chrono::hours(24 * 365)};  ///< audit entries
  std::chrono::milliseconds interval{std::chrono::minutes(10)};         ///< between two purge runs
  std::size_t batchSize = 500;                ///< rows per write transaction
  std::chrono::milliseconds batchPause{100};  ///< between two batches, for ingest
};

/// Admin listener and bootstrap token.
struct AdminConfig {
  /// TLS when admin.tls is set; an address other than loopback only then (checked at load).
  ListenerConfig listener = listenerOn("127.0.0.1", 8081, 4, 64, 64);
  std::string token;  ///< bootstrap admin token (FHIRGW_ADMIN_TOKEN); empty => generated
};

/// Where the key that seals connector secrets at rest comes from (at most one of the two).
struct SecretsConfig {
  std::string keyFile;      ///< file holding the 32-byte key as base64 or hex
  std::string keyVariable;  ///< or: environment variable holding it (not a FHIRGW_* name)
};

/// The whole configuration, read once at start-up and immutable afterwards.
struct GatewayConfig {
  ListenerConfig server = listenerOn("0.0.0.0", 8080);  ///< API listener
  AdminConfig admin;
  StorageConfig storage;
  RetentionConfig retention;  ///< `retention.*`
  LimitsConfig limits;
  common::LogLevel logLevel = common::LogLevel::kInfo;
  std::chrono::milliseconds shutdownGrace{10000};  ///< bound on draining in-flight requests
  rules::RuleConfig rules;  ///< `rules.*`: severities, tariffs, thresholds of the rule engine
  /// `connectors`: the outbound connector instances (docs/connectors.md), checked at load.
  std::vector<connectors::ConnectorInstanceConfig> connectors;
  SecretsConfig secrets;  ///< `secrets.*`
  /// The key loaded from secrets.keyFile or secrets.keyVariable at load; nullopt when neither is
  /// set (then connectors cannot be administered with inline secrets).
  std::optional<common::SecretBox> secretBox;
  /// The keys of encryption at rest loaded from storage.encryption at load; null when off.
  std::shared_ptr<const common::KeyRing> storageKeys;
  /// The PostgreSQL password read from storage.passwordFile or storage.passwordVariable at load
  /// (never logged nor shown); empty when neither is set.
  std::string storagePassword;
};

/// Inputs of the configuration, lowest precedence first: file, environment, --set.
struct ConfigSources {
  std::optional<std::string> fileText;             ///< contents of --config FILE (JSON), if given
  std::string fileName;                            ///< for messages
  std::map<std::string, std::string> environment;  ///< FHIRGW_* variables only
  std::vector<std::pair<std::string, std::string>> sets;  ///< --set path=value, in order
};

/// Builds and validates the configuration. Errors (kInvalidArgument) name the full key path, e.g.
/// "server.port: must be an integer between 0 and 65535" or "server.prot: unknown key".
common::Result<GatewayConfig> loadConfig(const ConfigSources& sources);

/// Every key path of the schema, sorted; members whose names are data appear once as a pattern
/// (`rules.tariffs.<ACT>`, `rules.severity.<RULE-ID>`). For the documentation and its test.
std::vector<std::string> configurationKeys();

/// Collects the FHIRGW_* variables of the process environment.
std::map<std::string, std::string> gatewayEnvironment();

}  // namespace fhirgw::gateway
