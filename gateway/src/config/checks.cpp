#include "checks.hpp"

#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/files.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/rules/rule_config.hpp"

namespace fhirgw::gateway::detail {
namespace {

constexpr std::size_t kMinTokenLength = 16;

bool isWildcardHost(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "[::]";
}

// A wildcard bind takes the port on every address, so it clashes with any host.
bool hostsOverlap(std::string_view a, std::string_view b) {
  return a == b || isWildcardHost(a) || isWildcardHost(b);
}

void checkFile(Binding& b, std::string_view path, const std::string& file, std::string_view what,
               std::string_view requiredWhen);

void checkTls(Binding& b, const std::string& prefix, const TlsConfig& tls) {
  const std::string isSet = prefix + ".tls is set";
  checkFile(b, prefix + ".tls.certificateFile", tls.certificateFile, "PEM certificate chain",
            isSet);
  checkFile(b, prefix + ".tls.privateKeyFile", tls.privateKeyFile, "PEM private key", isSet);
  const std::string required = prefix + ".tls.requireClientCertificate is true";
  checkFile(b, prefix + ".tls.caFile", tls.caFile, "PEM CAs trusted for client certificates",
            tls.requireClientCertificate ? required : "");
}

// Loopback: localhost, 127.0.0.0/8, ::1 (bracketed or not).
// Any other name could resolve anywhere, so it counts as reachable from the network.
bool isLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (Poco::icompare(std::string(host), "localhost") == 0) return true;
  Poco::Net::IPAddress address;
  return Poco::Net::IPAddress::tryParse(std::string(host), address) && address.isLoopback();
}

void checkFile(Binding& b, std::string_view path, const std::string& file, std::string_view what,
               std::string_view requiredWhen) {
  if (file.empty()) {
    if (!requiredWhen.empty()) {
      b.error(std::string(path) + ": required when " + std::string(requiredWhen) + " (" +
              std::string(what) + ")");
    }
    return;
  }
  if (!common::isReadableFile(file)) {
    b.error(std::string(path) + ": must be a readable file (" + std::string(what) +
            "), cannot read " + inQuotes(file));
  }
}

}  // namespace

void checkConfig(const GatewayConfig& c, Binding& b) {
  if (c.server.host.empty()) b.error("server.host: must not be empty (0.0.0.0: every interface)");
  if (c.admin.listener.host.empty()) b.error("admin.host: must not be empty");
  if (c.server.tls) checkTls(b, "server", *c.server.tls);
  if (c.admin.listener.tls) checkTls(b, "admin", *c.admin.listener.tls);
  // Admin tokens and API keys travel in clear on plain HTTP: off loopback, only over TLS.
  const std::string& adminHost = c.admin.listener.host;
  if (!adminHost.empty() && !c.admin.listener.tls && !isLoopbackHost(adminHost)) {
    const std::string message =
        "admin.host: must be a loopback address (127.0.0.0/8, ::1, localhost) unless admin.tls "
        "is set, since administrator credentials would otherwise cross the network in clear";
    b.error(message + b.sourceOf(message));
  }
  if (!c.admin.token.empty() && c.admin.token.size() < kMinTokenLength) {
    b.error("admin.token: must be at least " + std::to_string(kMinTokenLength) +
            " characters long (value not shown)");
  }
  if (c.storage.dataDir.empty()) b.error("storage.dataDir: must not be empty");
  // A lease owner's name: shown in logs and the admin API, so plain characters only.
  const std::string& instanceId = c.storage.instanceId;
  constexpr std::size_t kMaxInstanceId = 64;
  if (instanceId.size() > kMaxInstanceId ||
      !std::all_of(instanceId.begin(), instanceId.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '_' ||
               ch == '.';
      })) {
    b.error("storage.instanceId: must be at most 64 letters, digits, '-', '_' or '.'");
  }
  const std::string& url = c.storage.url;
  if (!url.empty() && !url.starts_with("postgresql://") && !url.starts_with("sqlite:")) {
    b.error("storage.url: must be empty, or start with \"postgresql://\" or \"sqlite:\"");
  }
  // Content purged after the record is deleted would be nothing: the metadata period covers the
  // content period (0 keeps for ever, so a kept-for-ever content needs kept-for-ever metadata).
  const RetentionConfig& ret = c.retention;
  const bool metadataForEver = ret.metadataPeriod.count() == 0;
  if (!metadataForEver &&
      (ret.contentPeriod.count() == 0 || ret.metadataPeriod < ret.contentPeriod)) {
    b.error("retention.metadataPeriodMs: must be at least retention.contentPeriodMs (" +
            std::to_string(ret.contentPeriod.count()) + ", 0 keeps for ever), got " +
            std::to_string(ret.metadataPeriod.count()));
  }
  const ListenerConfig& api = c.server;
  const ListenerConfig& admin = c.admin.listener;
  if (api.port != 0 && api.port == admin.port && hostsOverlap(api.host, admin.host)) {
    b.error("admin.port: must differ from server.port when the hosts overlap (both " +
            std::to_string(api.port) + ", on " + api.host + " and " + admin.host + ")");
  }
  // The rule engine owns its checks (tariff decimals, département codes); they name the key and
  // stop at the first problem, so the source of the value is added here.
  if (common::Status s = rules::validateRuleConfig(c.rules); !s.isOk()) {
    b.error(s.message() + b.sourceOf(s.message()));
  }
}

namespace {

// One key of storage.encryption from a file or a variable; `path` names it in messages.
std::optional<common::SecretBox> loadKey(Binding& b, const std::string& path,
                                         const std::string& file, const std::string& variable) {
  if (!file.empty()) {
    if (!common::isReadableFile(file)) {
      b.error(path + ": must be a readable file (a storage encryption key), cannot read " +
              inQuotes(file));
      return std::nullopt;
    }
    auto box = common::SecretBox::fromFile(file);
    if (!box) {
      b.error(path + ": " + box.error().message());
      return std::nullopt;
    }
    return std::move(box).value();
  }
  if (variable.starts_with(kEnvPrefix)) {
    b.error(path + ": must not start with " + std::string(kEnvPrefix) +
            " (those variables are configuration keys), got " + inQuotes(variable));
    return std::nullopt;
  }
  auto box = common::SecretBox::fromEnvironment(variable);
  if (!box) {
    b.error(path + ": " + box.error().message());
    return std::nullopt;
  }
  return std::move(box).value();
}

}  // namespace

void loadStorageKeys(GatewayConfig& c, Binding& b) {
  const StorageEncryptionConfig& e = c.storage.encryption;
  constexpr std::string_view kPath = "storage.encryption.";
  const std::string base(kPath);
  if (!e.keyFile.empty() && !e.keyVariable.empty()) {
    b.error(base + "keyVariable: give either " + base + "keyFile or " + base +
            "keyVariable, not both");
    return;
  }
  if (e.keyFile.empty() && e.keyVariable.empty()) {
    if (!e.previousKeyFiles.empty() || !e.previousKeyVariables.empty()) {
      b.error(base + "previousKeyFiles: previous keys need an active key (" + base + "keyFile or " +
              base + "keyVariable)");
    }
    return;  // encryption at rest is off
  }
  auto active = e.keyFile.empty() ? loadKey(b, base + "keyVariable", "", e.keyVariable)
                                  : loadKey(b, base + "keyFile", e.keyFile, "");
  std::vector<common::SecretBox> previous;
  bool complete = active.has_value();
  for (std::size_t i = 0; i < e.previousKeyFiles.size(); ++i) {
    auto key =
        loadKey(b, base + "previousKeyFiles[" + std::to_string(i) + "]", e.previousKeyFiles[i], "");
    if (key) previous.push_back(std::move(*key));
    complete = complete && key.has_value();
  }
  for (std::size_t i = 0; i < e.previousKeyVariables.size(); ++i) {
    auto key = loadKey(b, base + "previousKeyVariables[" + std::to_string(i) + "]", "",
                       e.previousKeyVariables[i]);
    if (key) previous.push_back(std::move(*key));
    complete = complete && key.has_value();
  }
  if (!complete) return;
  auto ring = common::KeyRing::make(std::move(*active), std::move(previous));
  if (!ring) {
    b.error(base + "previousKeyFiles: " + ring.error().message());
    return;
  }
  c.storageKeys = std::make_shared<const common::KeyRing>(std::move(ring).value());
}

void loadStoragePassword(GatewayConfig& c, Binding& b) {
  const StorageConfig& s = c.storage;
  if (!s.passwordFile.empty() && !s.passwordVariable.empty()) {
    b.error(
        "storage.passwordVariable: give either storage.passwordFile or "
        "storage.passwordVariable, not both");
    return;
  }
  std::string password;
  if (!s.passwordFile.empty()) {
    std::ifstream in(s.passwordFile, std::ios::binary);
    if (!common::isReadableFile(s.passwordFile) || !in) {
      b.error(
          "storage.passwordFile: must be a readable file (the PostgreSQL password), cannot "
          "read " +
          inQuotes(s.passwordFile));
      return;
    }
    std::getline(in, password);  // the first line; a trailing newline is not part of it
  } else if (!s.passwordVariable.empty()) {
    if (s.passwordVariable.starts_with(kEnvPrefix)) {
      b.error("storage.passwordVariable: must not start with " + std::string(kEnvPrefix) +
              " (those variables are configuration keys), got " + inQuotes(s.passwordVariable));
      return;
    }
    const char* value = std::getenv(s.passwordVariable.c_str());
    if (value == nullptr) {
      b.error("storage.passwordVariable: the variable " + inQuotes(s.passwordVariable) +
              " is not set");
      return;
    }
    password = value;
  } else {
    return;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    b.error(
        std::string(s.passwordFile.empty() ? "storage.passwordVariable" : "storage.passwordFile") +
        ": the PostgreSQL password is empty");
    return;
  }
  if (password.find('\0') != std::string::npos) {
    b.error(
        std::string(s.passwordFile.empty() ? "storage.passwordVariable" : "storage.passwordFile") +
        ": the PostgreSQL password holds a NUL character");
    return;
  }
  c.storagePassword = std::move(password);
}

void loadSecretsKey(GatewayConfig& c, Binding& b) {
  const SecretsConfig& s = c.secrets;
  if (!s.keyFile.empty() && !s.keyVariable.empty()) {
    b.error("secrets.keyVariable: give either secrets.keyFile or secrets.keyVariable, not both");
    return;
  }
  if (!s.keyFile.empty()) {
    if (!common::isReadableFile(s.keyFile)) {
      b.error("secrets.keyFile: must be a readable file (the secrets key), cannot read " +
              inQuotes(s.keyFile));
      return;
    }
    auto box = common::SecretBox::fromFile(s.keyFile);
    if (!box) {
      b.error("secrets.keyFile: " + box.error().message());
      return;
    }
    c.secretBox = std::move(box).value();
  } else if (!s.keyVariable.empty()) {
    // FHIRGW_* variables are configuration keys: the loader would call this one unknown.
    if (s.keyVariable.starts_with(kEnvPrefix)) {
      b.error("secrets.keyVariable: must not start with " + std::string(kEnvPrefix) +
              " (those variables are configuration keys), got " + inQuotes(s.keyVariable));
      return;
    }
    auto box = common::SecretBox::fromEnvironment(s.keyVariable);
    if (!box) {
      b.error("secrets.keyVariable: " + box.error().message());
      return;
    }
    c.secretBox = std::move(box).value();
  }
}

}  // namespace fhirgw::gateway::detail
