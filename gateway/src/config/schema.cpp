#include "schema.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/rules/rule_config.hpp"

namespace fhirgw::gateway::detail {
namespace {

using common::FieldReader;
using common::Json;
using common::Need;
using common::Shown;

constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
// Bodies are held in memory and RapidJSON lengths are 32-bit: 1 GiB is far past any sane limit.
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 30;
// canonicalJson and the FHIR walkers recurse, so the depth limit must stay small.
constexpr std::int64_t kMaxJsonDepth = 1024;
constexpr std::int64_t kMaxMillis = std::int64_t{24} * 3600 * 1000;

// The leaves of the schema store a good value into the field that holds the default; a key with
// no value, or only bad ones, keeps the default.

void text(FieldReader& r, std::string_view key, std::string& out, Shown shown = Shown::kValue) {
  if (auto v = r.string(key, Need::kOptional, "a string", shown)) out = std::move(*v);
}

void flag(FieldReader& r, std::string_view key, bool& out) {
  if (auto v = r.boolean(key, Need::kOptional, "true or false")) out = *v;
}

template <typename Int>
bool integer(FieldReader& r, std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
  const std::optional<std::int64_t> v = r.integer(key, min, max);
  if (v) out = static_cast<Int>(*v);
  return v.has_value();
}

// An integer count of a unit ("milliseconds"), in [min, max].
template <typename Duration>
void duration(FieldReader& r, std::string_view key, std::string_view unit, Duration& out,
              std::int64_t min, std::int64_t max) {
  const std::string expected = "a whole number of " + std::string(unit) + " between " +
                               std::to_string(min) + " and " + std::to_string(max);
  if (auto v = r.integer(key, min, max, Need::kOptional, expected)) out = Duration(*v);
}

void milliseconds(FieldReader& r, std::string_view key, std::chrono::milliseconds& out,
                  std::int64_t min, std::int64_t max) {
  duration(r, key, "milliseconds", out, min, max);
}

// A string leaf from a closed set of codes; parse(text) -> std::optional<T>.
template <typename T, typename Parse>
bool code(FieldReader& r, std::string_view key, std::string_view expected, T& out, Parse parse) {
  std::optional<T> v =
      r.leaf<T>(key, common::JsonKind::kString, expected, Need::kOptional, Shown::kValue, parse);
  if (v) out = std::move(*v);
  return v.has_value();
}

// An array leaf (from an override: the same array as JSON text, --set
// 'rules.forbiddenMajorations=["F","MN"]'). A value replaces the whole array, and only when
// every element converts.
template <typename T, typename Convert>
bool array(FieldReader& r, std::string_view key, std::string_view expected,
           std::string_view elementExpected, std::vector<T>& out, Convert convert) {
  std::optional<std::vector<T>> v = r.array<T>(key, expected, elementExpected, convert);
  if (v) out = std::move(*v);
  return v.has_value();
}

void bindTls(FieldReader& r, TlsConfig& tls) {
  text(r, "certificateFile", tls.certificateFile);
  text(r, "privateKeyFile", tls.privateKeyFile);
  text(r, "caFile", tls.caFile);
  flag(r, "requireClientCertificate", tls.requireClientCertificate);
}

// Deadlines, caps and head limits of a listener (docs/operations.md, Limits).
void bindListenerLimits(FieldReader& r, ListenerConfig& l) {
  constexpr std::int64_t kMaxConnections = 1000000;
  constexpr std::int64_t kMaxHeadBytes = std::int64_t{1} << 20;
  constexpr std::int64_t kMaxHeaderCount = 10000;
  milliseconds(r, "headerTimeoutMs", l.headerTimeout, 1, kMaxMillis);
  milliseconds(r, "bodyTimeoutMs", l.bodyTimeout, 1, kMaxMillis);
  milliseconds(r, "keepAliveTimeoutMs", l.keepAliveTimeout, 1, kMaxMillis);
  integer(r, "maxConnections", l.maxConnections, 1, kMaxConnections);
  integer(r, "maxConnectionsPerPeer", l.maxConnectionsPerPeer, 1, kMaxConnections);
  integer(r, "maxRequestLineBytes", l.maxRequestLineBytes, 64, kMaxHeadBytes);
  integer(r, "maxHeaderBytes", l.maxHeaderBytes, 256, kMaxHeadBytes);
  integer(r, "maxHeaderCount", l.maxHeaderCount, 1, kMaxHeaderCount);
}

}  // namespace

void bindSchema(FieldReader& root, Binding& binding, GatewayConfig& c) {
  root.object("server", [&c](FieldReader& r) {
    text(r, "host", c.server.host);
    integer(r, "port", c.server.port, 0, kMaxPort);
    integer(r, "maxThreads", c.server.maxThreads, 1, kMaxInt);
    integer(r, "maxQueued", c.server.maxQueued, 1, kMaxInt);
    milliseconds(r, "receiveTimeoutMs", c.server.receiveTimeout, 1, kMaxMillis);
    bindListenerLimits(r, c.server);
    // Bound even when absent, so that overrides alone can switch TLS on.
    TlsConfig tls = c.server.tls.value_or(TlsConfig{});
    if (r.object("tls", [&tls](FieldReader& t) { bindTls(t, tls); })) c.server.tls = tls;
  });
  root.object("admin", [&c](FieldReader& r) {
    text(r, "host", c.admin.listener.host);
    integer(r, "port", c.admin.listener.port, 0, kMaxPort);
    integer(r, "maxThreads", c.admin.listener.maxThreads, 1, kMaxInt);
    milliseconds(r, "receiveTimeoutMs", c.admin.listener.receiveTimeout, 1, kMaxMillis);
    bindListenerLimits(r, c.admin.listener);
    text(r, "token", c.admin.token, Shown::kSecret);
    TlsConfig tls = c.admin.listener.tls.value_or(TlsConfig{});
    if (r.object("tls", [&tls](FieldReader& t) { bindTls(t, tls); })) c.admin.listener.tls = tls;
  });
  root.object("storage", [&c](FieldReader& r) {
    text(r, "dataDir", c.storage.dataDir);
    text(r, "url", c.storage.url, Shown::kSecret);  // a PostgreSQL URL may carry a password
    text(r, "passwordFile", c.storage.passwordFile);
    text(r, "passwordVariable", c.storage.passwordVariable);
    constexpr std::int64_t kMaxConnections = 1000;
    integer(r, "connections", c.storage.connections, 1, kMaxConnections);
    // At least a second: a tighter loop would only compete with request writes.
    milliseconds(r, "idempotencyPurgeIntervalMs", c.storage.idempotencyPurgeInterval, 1000,
                 kMaxMillis);
    text(r, "instanceId", c.storage.instanceId);
    milliseconds(r, "connectorSyncIntervalMs", c.storage.connectorSyncInterval, 100, kMaxMillis);
    // At least a second (a claim must outlast its batch window and attempt); at most an hour, as
    // no attempt may take longer than 4 minutes (timeoutMs) and a dead instance's claims wait
    // this long for another instance.
    constexpr std::int64_t kMaxLease = std::int64_t{3600} * 1000;
    milliseconds(r, "deliveryLeaseMs", c.storage.deliveryLease, 1000, kMaxLease);
    r.object("encryption", [&c](FieldReader& e) {
      StorageEncryptionConfig& enc = c.storage.encryption;
      const auto path = [](const Json& n) -> std::optional<std::string> {
        if (!n.isString() || n.text().empty()) return std::nullopt;
        return n.text();
      };
      text(e, "keyFile", enc.keyFile);
      text(e, "keyVariable", enc.keyVariable);
      array(e, "previousKeyFiles", "an array of key file paths", "a file path",
            enc.previousKeyFiles, path);
      array(e, "previousKeyVariables", "an array of environment variable names", "a variable name",
            enc.previousKeyVariables, path);
      constexpr std::int64_t kMaxBatch = 100000;
      integer(e, "rotationBatchSize", enc.rotationBatchSize, 1, kMaxBatch);
      milliseconds(e, "rotationPauseMs", enc.rotationPause, 0, kMaxMillis);
    });
  });
  root.object("retention", [&c](FieldReader& r) {
    // Periods up to a century; 0 keeps for ever (checked against each other in checks.cpp).
    constexpr std::int64_t kMaxPeriod = std::int64_t{100} * 366 * 24 * 3600 * 1000;
    RetentionConfig& ret = c.retention;
    milliseconds(r, "contentPeriodMs", ret.contentPeriod, 0, kMaxPeriod);
    milliseconds(r, "metadataPeriodMs", ret.metadataPeriod, 0, kMaxPeriod);
    milliseconds(r, "auditPeriodMs", ret.auditPeriod, 0, kMaxPeriod);
    milliseconds(r, "intervalMs", ret.interval, 100, kMaxMillis);
    integer(r, "batchSize", ret.batchSize, 1, 100000);
    milliseconds(r, "batchPauseMs", ret.batchPause, 0, kMaxMillis);
  });
  root.object("secrets", [&c](FieldReader& r) {
    text(r, "keyFile", c.secrets.keyFile);
    text(r, "keyVariable", c.secrets.keyVariable);
  });
  root.object("limits", [&c](FieldReader& r) {
    integer(r, "maxBodyBytes", c.limits.maxBodyBytes, 1, kMaxBytes);
    integer(r, "maxJsonDepth", c.limits.maxJsonDepth, 1, kMaxJsonDepth);
    integer(r, "maxStringBytes", c.limits.maxStringBytes, 1, kMaxBytes);
    integer(r, "maxArrayLength", c.limits.maxArrayLength, 1, kMaxInt);
    integer(r, "maxDocumentsPerRequest", c.limits.maxDocumentsPerRequest, 1, kMaxInt);
    integer(r, "maxDocumentsPerRecord", c.limits.maxDocumentsPerRecord, 1, kMaxInt);
  });
  root.object("logging", [&c](FieldReader& r) {
    code(r, "level", "one of debug, info, warning, error", c.logLevel,
         [](std::string_view t) -> std::optional<common::LogLevel> {
           auto level = common::parseLogLevel(t);
           if (!level) return std::nullopt;
           return *level;
         });
  });
  root.object("shutdown",
              [&c](FieldReader& r) { milliseconds(r, "graceMs", c.shutdownGrace, 0, kMaxMillis); });
  root.object("rules", [&c](FieldReader& r) { rules::bindRuleConfig(r, c.rules); });
  // Connector instances are checked by the connectors module, which names the full key path
  // ("connectors[0].options.directory"); here the file's (or an override's) array is handed
  // over as it is.
  std::vector<Json> instances;
  if (array(root, "connectors", "an array of connector objects", "a connector object", instances,
            [](const Json& n) -> std::optional<Json> {
              if (!n.isObject()) return std::nullopt;
              return n;
            })) {
    Json list = Json::array();
    for (Json& instance : instances) list.push(std::move(instance));
    auto parsed = connectors::parseConnectorInstanceList(list, "connectors");
    if (parsed) {
      c.connectors = std::move(parsed).value();
    } else {
      binding.error(parsed.error().message());
    }
  }
}

}  // namespace fhirgw::gateway::detail
