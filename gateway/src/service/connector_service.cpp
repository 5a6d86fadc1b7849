#include "fhirgw/gateway/service/connector_service.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "fhirgw/common/log.hpp"
#include "fhirgw/connectors/secret_options.hpp"

namespace fhirgw::gateway {

using common::Json;
using common::Log;

/// One current instance. Its options are in clear here, in memory only: the store keeps them
/// sealed.
struct ConnectorService::Instance {
  ConnectorSource source = ConnectorSource::kFile;
  connectors::ConnectorInstanceConfig config;
  std::shared_ptr<connectors::Connector> connector;
  std::map<std::string, std::string> secrets;    // option key -> its value in clear
  std::optional<store::StoredConnector> stored;  // kApi: version and times (sealed JSON)
};

/// A submitted instance, checked: its config and connector, the JSON to store (secrets sealed)
/// and its secrets in clear, or the problems that refuse it.
struct ConnectorService::Prepared {
  connectors::ConnectorInstanceConfig config;
  std::shared_ptr<connectors::Connector> connector;
  std::string storedJson;
  std::map<std::string, std::string> secrets;
  std::optional<std::int64_t> version;  // the body's `version`
  std::vector<ConnectorProblem> problems;
};

namespace {

// The API's own path for a submitted instance: messages read "connector.options.baseUrl: ...".
constexpr std::string_view kPath = "connector";

// Members a view carries that a body may echo back (GET, edit, PUT): ignored.
constexpr std::array<std::string_view, 6> kViewOnlyMembers = {"source", "readOnly",  "secrets",
                                                              "state",  "createdAt", "updatedAt"};

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto dot = path.find('.');
    parts.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    path.remove_prefix(dot + 1);
  }
}

// The parent object of a dotted key path inside `options` (Json or const Json), or null when
// one is missing.
template <class J>
J* parentOf(J& options, const std::vector<std::string_view>& parts) {
  J* node = &options;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    node = node->find(parts[i]);
    if (node == nullptr || !node->isObject()) return nullptr;
  }
  return node->isObject() ? node : nullptr;
}

const Json* findPath(const Json& options, std::string_view path) {
  const auto parts = splitPath(path);
  const Json* parent = parentOf(options, parts);
  return parent == nullptr ? nullptr : parent->find(parts.back());
}

// A parser or factory message ("connector.routes[1]: ...; connector.options.x: ...") as one
// problem per part, each at its key path.
std::vector<ConnectorProblem> problemsOf(const common::Status& status) {
  std::vector<ConnectorProblem> out;
  const std::string& text = status.message();
  const std::string separator = "; " + std::string(kPath);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    const auto colon = part.find(": ");
    std::string path = colon == std::string::npos ? std::string(kPath) : part.substr(0, colon);
    if (path.rfind(kPath, 0) != 0 || path.find(' ') != std::string::npos) path = kPath;
    out.push_back({std::move(path), part});
    start = end + 2;  // past "; "
    if (end == text.size()) break;
  }
  return out;
}

std::string millisNumber(std::chrono::milliseconds ms) { return std::to_string(ms.count()); }

std::string doubleText(double value) {
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return ec == std::errc() ? std::string(buffer.data(), end) : std::string("0");
}

// The instance's effective settings as JSON (defaults filled in), options without secrets.
Json instanceJson(const connectors::ConnectorInstanceConfig& c,
                  const std::vector<std::string>& secretKeys) {
  Json routes = Json::array();
  for (const auto d : c.routes) routes.push(std::string(connectors::destinationName(d)));
  Json retry = Json::object();
  retry.set("initialDelayMs", Json::number(millisNumber(c.retry.initialDelay)))
      .set("multiplier", Json::number(doubleText(c.retry.multiplier)))
      .set("maxDelayMs", Json::number(millisNumber(c.retry.maxDelay)))
      .set("maxAgeMs", Json::number(millisNumber(c.retry.maxAge)));
  if (c.retry.maxAttempts) retry.set("maxAttempts", Json::integer(*c.retry.maxAttempts));
  Json breaker = Json::object();
  breaker.set("failureThreshold", Json::integer(c.circuitBreaker.failureThreshold))
      .set("openMs", Json::number(millisNumber(c.circuitBreaker.openDuration)))
      .set("maxOpenMs", Json::number(millisNumber(c.circuitBreaker.maxOpenDuration)));
  auto options = Json::parse(c.optionsJson);
  Json shown = options ? connectors::redactSecrets(*options, secretKeys) : Json::object();
  Json v = Json::object();
  v.set("id", c.id)
      .set("type", c.type)
      .set("enabled", Json::boolean(c.enabled))
      .set("routes", std::move(routes))
      .set("workers", Json::integer(c.workers))
      .set("retry", std::move(retry))
      .set("circuitBreaker", std::move(breaker))
      .set("options", std::move(shown));
  return v;
}

// The key paths where two views differ (an object member by member, anything else whole).
void diffPaths(const Json* a, const Json* b, const std::string& path,
               std::vector<std::string>& out) {
  static const Json kNull;
  const Json& left = a != nullptr ? *a : kNull;
  const Json& right = b != nullptr ? *b : kNull;
  if (left.isObject() && right.isObject()) {
    std::set<std::string> keys;
    for (const auto& m : left.members()) keys.insert(m.key);
    for (const auto& m : right.members()) keys.insert(m.key);
    for (const std::string& key : keys) {
      std::string child = path;
      if (!child.empty()) child += '.';
      child += key;
      diffPaths(left.find(key), right.find(key), child, out);
    }
    return;
  }
  if (left.canonical() != right.canonical()) out.push_back(path);
}

std::string changedDetail(const std::vector<std::string>& changed) {
  Json list = Json::array();
  for (const std::string& path : changed) list.push(path);
  Json detail = Json::object();
  detail.set("changed", std::move(list));
  return detail.serialize();
}

// The file's instances first, in their order, then the API's by id.
template <class I>
void sortInstances(std::vector<I>& instances) {
  std::stable_sort(instances.begin(), instances.end(), [](const I& a, const I& b) {
    if (a.source != b.source) return a.source == ConnectorSource::kFile;
    return a.source == ConnectorSource::kApi && a.config.id < b.config.id;
  });
}

}  // namespace

ConnectorService::ConnectorService(Deps deps)
    : d_(deps), routes_(std::make_shared<const std::vector<connectors::ConnectorRoute>>()) {}

ConnectorService::~ConnectorService() = default;

std::vector<std::string> ConnectorService::secretKeysOf(std::string_view type) const {
  std::vector<std::string> keys;
  if (const connectors::ConnectorFactory* factory = d_.registry.find(type)) {
    for (const auto& key : factory->secretOptionKeys()) keys.emplace_back(key);
  }
  return keys;
}

ConnectorService::Instance* ConnectorService::findLocked(std::string_view id) {
  for (Instance& i : instances_) {
    if (i.config.id == id) return &i;
  }
  return nullptr;
}

common::Result<ConnectorService::Instance> ConnectorService::openStored(
    store::StoredConnector row) const {
  const std::string where = "stored connector \"" + row.id + "\"";
  auto json = Json::parse(row.instanceJson);
  if (!json || !json->isObject()) {
    return common::invalidArgument(where + ": its stored JSON does not parse");
  }
  Instance i;
  i.source = ConnectorSource::kApi;
  const std::vector<std::string> keys = secretKeysOf(row.type);
  if (Json* options = json->find("options"); options != nullptr && options->isObject()) {
    if (!connectors::secretsSet(*options, keys).empty()) {
      if (d_.secretBox == nullptr) {
        return common::invalidArgument(
            where +
            ": has sealed secrets but neither secrets.keyFile nor secrets.keyVariable "
            "is configured");
      }
      auto opened = connectors::openSecrets(*options, keys, *d_.secretBox, row.id);
      if (!opened) return common::invalidArgument(where + ": " + opened.error().message());
      *options = std::move(*opened);
      for (const std::string& key : connectors::secretsSet(*options, keys)) {
        i.secrets[key] = findPath(*options, key)->text();
      }
    }
  }
  auto config = connectors::parseConnectorInstance(*json, std::string(kPath));
  if (!config) return common::invalidArgument(where + ": " + config.error().message());
  auto connector = d_.registry.create(*config, d_.context);
  if (!connector) return common::invalidArgument(where + ": " + connector.error().message());
  i.config = std::move(*config);
  i.connector = std::shared_ptr<connectors::Connector>(std::move(*connector));
  i.stored = std::move(row);
  return i;
}

common::Status ConnectorService::load(std::vector<connectors::ConnectorInstance> fileInstances) {
  std::lock_guard change(changeMutex_);
  std::vector<Instance> loaded;
  for (connectors::ConnectorInstance& file : fileInstances) {
    Instance i;
    i.source = ConnectorSource::kFile;
    i.config = std::move(file.config);
    i.connector = std::move(file.connector);
    if (auto options = Json::parse(i.config.optionsJson)) {
      for (const std::string& key : secretKeysOf(i.config.type)) {
        const Json* value = findPath(*options, key);
        if (value != nullptr && value->isString()) i.secrets[key] = value->text();
      }
    }
    loaded.push_back(std::move(i));
  }
  auto stored = d_.store.listConnectors();
  if (!stored) return stored.error();
  for (store::StoredConnector& row : *stored) {
    for (const Instance& i : loaded) {
      if (i.config.id == row.id) {
        return common::invalidArgument(
            "stored connector \"" + row.id +
            "\": the configuration file has an instance with the same id; remove one");
      }
    }
    auto opened = openStored(std::move(row));
    if (!opened) return opened.error();
    loaded.push_back(std::move(*opened));
  }
  for (const Instance& i : loaded) {
    FHIRGW_RETURN_IF_ERROR(d_.engine.add(i.config, i.connector));
  }
  std::lock_guard state(stateMutex_);
  instances_ = std::move(loaded);
  publishRoutes();
  return common::Status::ok();
}

void ConnectorService::publishRoutes() {
  std::vector<connectors::ConnectorInstance> current;
  current.reserve(instances_.size());
  for (const Instance& i : instances_) current.push_back({i.config, i.connector});
  routes_ = std::make_shared<const std::vector<connectors::ConnectorRoute>>(
      connectors::routesOf(current));
}

RouteSnapshot ConnectorService::routes() const {
  std::lock_guard state(stateMutex_);
  return routes_;
}

RouteProvider ConnectorService::routeProvider() const {
  return [this] { return routes(); };
}

ConnectorView ConnectorService::viewOf(const Instance& i) const {
  ConnectorView v;
  v.source = i.source;
  v.instance = instanceJson(i.config, secretKeysOf(i.config.type));
  for (const auto& [key, value] : i.secrets) v.secrets.push_back(key);
  v.running = i.config.enabled;
  if (i.stored) {
    v.version = i.stored->version;
    v.createdAt = i.stored->createdAt;
    v.updatedAt = i.stored->updatedAt;
  }
  return v;
}

std::vector<ConnectorView> ConnectorService::list() const {
  std::lock_guard state(stateMutex_);
  std::vector<ConnectorView> out;
  out.reserve(instances_.size());
  for (const Instance& i : instances_) out.push_back(viewOf(i));
  return out;
}

common::Result<ConnectorView> ConnectorService::get(std::string_view id) const {
  std::lock_guard state(stateMutex_);
  for (const Instance& i : instances_) {
    if (i.config.id == id) return viewOf(i);
  }
  return common::notFound("no such connector");
}

common::Result<ConnectorProbe> ConnectorService::test(std::string_view id,
                                                      std::stop_token stop) const {
  std::shared_ptr<connectors::Connector> connector;
  {
    std::lock_guard state(stateMutex_);
    for (const Instance& i : instances_) {
      if (i.config.id == id) connector = i.connector;
    }
  }
  if (connector == nullptr) return common::notFound("no such connector");
  // Outside the lock: a probe waits on the network (bounded by the instance's timeouts).
  const auto started = std::chrono::steady_clock::now();
  ConnectorProbe out;
  out.result = connector->probe(std::move(stop));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  out.duration = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
  Log::info("gateway.connector-tested",
            {{"connectorId", std::string(id)},
             {"ok", out.result.ok},
             {"reason", out.result.reason},
             {"durationUs",
              static_cast<std::int64_t>(
                  std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count())}});
  return out;
}

ConnectorService::Prepared ConnectorService::prepare(const Json& body,
                                                     const Instance* existing) const {
  Prepared out;
  Json input = body;
  for (std::string_view member : kViewOnlyMembers) input.erase(member);
  if (const Json* version = input.find("version")) {
    std::int64_t parsed = 0;
    const std::string& text = version->text();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (!version->isNumber() || ec != std::errc() || end != text.data() + text.size() ||
        parsed < 1) {
      out.problems.push_back({"version", "version: must be a positive integer"});
    } else {
      out.version = parsed;
    }
    input.erase("version");
  }

  // Secrets: a string is a new value, null removes it, an absent key keeps the stored value
  // (when its parent object is there). The parser and the factory then see them in clear.
  const Json* type = input.find("type");
  Json* options = input.find("options");
  std::map<std::string, std::string> secrets;
  if (type != nullptr && type->isString() && options != nullptr && options->isObject()) {
    for (const std::string& key : secretKeysOf(type->text())) {
      const auto parts = splitPath(key);
      Json* parent = parentOf(*options, parts);
      if (parent == nullptr) continue;
      Json* value = parent->find(parts.back());
      const std::string path = std::string(kPath) + ".options." + key;
      if (value == nullptr) {
        if (existing != nullptr && existing->config.type == type->text()) {
          if (auto kept = existing->secrets.find(key); kept != existing->secrets.end()) {
            parent->set(parts.back(), Json(kept->second));
            secrets[key] = kept->second;
          }
        }
      } else if (value->isNull()) {
        parent->erase(parts.back());
      } else if (value->isString()) {
        if (common::SecretBox::isSealed(value->text())) {
          // Sealed text is never shown, so it cannot be meant; stored as is it would fail to
          // open at the next start.
          out.problems.push_back({path, path + ": must be the secret itself, not a sealed value"});
        } else if (d_.secretBox == nullptr) {
          out.problems.push_back(
              {path, path + ": a secret cannot be stored: configure secrets.keyFile or "
                            "secrets.keyVariable first (secrets are never stored in clear)"});
        }
        secrets[key] = value->text();
      }
    }
  }

  auto config = connectors::parseConnectorInstance(input, std::string(kPath));
  if (!config) {
    for (auto& p : problemsOf(config.error())) out.problems.push_back(std::move(p));
    return out;
  }
  if (!out.problems.empty()) return out;
  auto connector = d_.registry.create(*config, d_.context);
  if (!connector) {
    out.problems = problemsOf(connector.error());
    return out;
  }
  // What the store keeps: the body as checked, each secret replaced by its sealed text (a
  // sealed-looking value was refused above, so every secret here is sealed now).
  Json sealed = std::move(input);
  if (Json* sealedOptions = sealed.find("options"); sealedOptions != nullptr && !secrets.empty()) {
    auto done = connectors::sealSecrets(*sealedOptions, secretKeysOf(config->type), *d_.secretBox,
                                        config->id);
    if (!done) {
      out.problems.push_back(
          {std::string(kPath) + ".options", std::string(kPath) + "." + done.error().message()});
      return out;
    }
    *sealedOptions = std::move(*done);
  }
  out.storedJson = sealed.canonical();
  out.config = std::move(*config);
  out.connector = std::shared_ptr<connectors::Connector>(std::move(*connector));
  out.secrets = std::move(secrets);
  return out;
}

void ConnectorService::auditChange(std::string_view action, std::string_view id,
                                   const AdminCaller& caller,
                                   const std::vector<std::string>& changed) {
  store::NewAuditEntry entry;
  entry.actor = caller.clientId.empty() ? "admin" : caller.clientId;
  entry.action = std::string(action);
  entry.target = std::string(id);
  entry.outcome = "ok";
  entry.requestId = caller.requestId;
  if (!changed.empty()) entry.detail = changedDetail(changed);
  if (auto appended = d_.audit.appendAudit(entry); !appended) {
    Log::error("gateway.audit-append-failed",
               {{"requestId", caller.requestId},
                {"code", common::statusCodeName(appended.error().code())}});
  }
}

namespace {

// What changed between two instances: the key paths of their views, and each secret key whose
// value was set, changed or removed (its path only).
std::vector<std::string> changesBetween(const Json* before, const Json& after,
                                        const std::map<std::string, std::string>* secretsBefore,
                                        const std::map<std::string, std::string>& secretsAfter) {
  std::vector<std::string> changed;
  const Json none = Json::object();  // a creation: every key it sets
  diffPaths(before != nullptr ? before : &none, &after, "", changed);
  std::set<std::string> keys;
  if (secretsBefore != nullptr) {
    for (const auto& [key, value] : *secretsBefore) keys.insert(key);
  }
  for (const auto& [key, value] : secretsAfter) keys.insert(key);
  for (const std::string& key : keys) {
    const auto was = secretsBefore != nullptr ? secretsBefore->find(key) : secretsAfter.end();
    const bool hadIt = secretsBefore != nullptr && was != secretsBefore->end();
    const auto now = secretsAfter.find(key);
    const bool hasIt = now != secretsAfter.end();
    if (hadIt != hasIt || (hadIt && was->second != now->second)) {
      changed.push_back("options." + key);
    }
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

store::ConnectorRow rowOf(const connectors::ConnectorInstanceConfig& config,
                          std::string instanceJson, const AdminCaller& caller) {
  store::ConnectorRow row;
  row.id = config.id;
  row.type = config.type;
  row.enabled = config.enabled;
  row.instanceJson = std::move(instanceJson);
  row.updatedBy = caller.clientId;
  return row;
}

}  // namespace

ConnectorChange ConnectorService::create(const Json& body, const AdminCaller& caller) {
  std::lock_guard change(changeMutex_);
  ConnectorChange out;
  Prepared p = prepare(body, nullptr);
  if (!p.problems.empty()) {
    out.status = common::invalidArgument("the connector instance is not valid");
    out.problems = std::move(p.problems);
    return out;
  }
  {
    std::lock_guard state(stateMutex_);
    if (const Instance* taken = findLocked(p.config.id)) {
      out.status = common::alreadyExists(taken->source == ConnectorSource::kFile
                                             ? "connector " + p.config.id +
                                                   " is defined in the configuration file"
                                             : "connector " + p.config.id + " already exists");
      return out;
    }
  }
  auto stored = d_.store.insertConnector(rowOf(p.config, p.storedJson, caller));
  if (!stored) {
    out.status = stored.error();
    return out;
  }
  // Stored first: an engine that cannot take the instance undoes the row, so a failure leaves
  // nothing behind.
  if (common::Status s = d_.engine.add(p.config, p.connector); !s.isOk()) {
    (void)d_.store.deleteConnector(p.config.id, stored->version);
    out.status = s;
    return out;
  }
  Instance i;
  i.source = ConnectorSource::kApi;
  i.config = std::move(p.config);
  i.connector = std::move(p.connector);
  i.secrets = std::move(p.secrets);
  i.stored = std::move(*stored);
  const Json after = instanceJson(i.config, secretKeysOf(i.config.type));
  const std::vector<std::string> changed = changesBetween(nullptr, after, nullptr, i.secrets);
  const std::string id = i.config.id;
  {
    std::lock_guard state(stateMutex_);
    instances_.push_back(std::move(i));
    sortInstances(instances_);
    publishRoutes();
    out.view = viewOf(*findLocked(id));
  }
  auditChange("connector.create", id, caller, changed);
  Log::info("gateway.connector-created",
            {{"connectorId", id}, {"type", out.view->instance.stringAt("type")}});
  return out;
}

ConnectorChange ConnectorService::replace(std::string_view id, const Json& body,
                                          std::optional<std::int64_t> ifMatch,
                                          const AdminCaller& caller) {
  std::lock_guard change(changeMutex_);
  ConnectorChange out;
  Instance before;
  {
    std::lock_guard state(stateMutex_);
    const Instance* current = findLocked(id);
    if (current == nullptr) {
      out.status = common::notFound("no such connector");
      return out;
    }
    before = *current;
  }
  if (before.source == ConnectorSource::kFile) {
    out.status = common::aborted("connector " + before.config.id +
                                 " comes from the configuration file: it is read-only here");
    return out;
  }
  Prepared p = prepare(body, &before);
  const std::optional<std::int64_t> version = p.version ? p.version : ifMatch;
  if (!version) {
    p.problems.push_back(
        {"version", "version: is required (the version read, or an If-Match header)"});
  }
  if (p.problems.empty() && p.config.id != before.config.id) {
    p.problems.push_back(
        {std::string(kPath) + ".id",
         std::string(kPath) + ".id: must be the id of the path, " + before.config.id});
  }
  if (p.problems.empty() && p.config.type != before.config.type) {
    p.problems.push_back(
        {std::string(kPath) + ".type",
         std::string(kPath) + ".type: cannot change; delete the instance and create another"});
  }
  if (!p.problems.empty()) {
    out.status = common::invalidArgument("the connector instance is not valid");
    out.problems = std::move(p.problems);
    return out;
  }
  if (*version != before.stored->version) {
    out.status = common::aborted("connector " + before.config.id + " is at version " +
                                 std::to_string(before.stored->version) + ", not " +
                                 std::to_string(*version) + ": read it again");
    return out;
  }
  auto stored = d_.store.updateConnector(rowOf(p.config, p.storedJson, caller), *version);
  if (!stored) {
    out.status = stored.error();
    return out;
  }
  // In-flight attempts finish under the old settings; a disabled instance's lane stops.
  if (common::Status s = d_.engine.replace(p.config, p.connector, d_.grace); !s.isOk()) {
    // Put the row back as it was, so the store says what runs.
    (void)d_.store.updateConnector(rowOf(before.config, before.stored->instanceJson, caller),
                                   stored->version);
    (void)d_.engine.replace(before.config, before.connector, d_.grace);
    out.status = s;
    return out;
  }
  const Json beforeView = instanceJson(before.config, secretKeysOf(before.config.type));
  const Json afterView = instanceJson(p.config, secretKeysOf(p.config.type));
  const std::vector<std::string> changed =
      changesBetween(&beforeView, afterView, &before.secrets, p.secrets);
  {
    std::lock_guard state(stateMutex_);
    Instance* current = findLocked(id);
    current->config = std::move(p.config);
    current->connector = std::move(p.connector);
    current->secrets = std::move(p.secrets);
    current->stored = std::move(*stored);
    publishRoutes();
    out.view = viewOf(*current);
  }
  auditChange("connector.update", id, caller, changed);
  Log::info("gateway.connector-updated",
            {{"connectorId", std::string(id)}, {"version", out.view->version}});
  return out;
}

common::Status ConnectorService::remove(std::string_view id, std::optional<std::int64_t> ifMatch,
                                        const AdminCaller& caller) {
  std::lock_guard change(changeMutex_);
  Instance before;
  {
    std::lock_guard state(stateMutex_);
    const Instance* current = findLocked(id);
    if (current == nullptr) return common::notFound("no such connector");
    before = *current;
  }
  if (before.source == ConnectorSource::kFile) {
    return common::aborted("connector " + before.config.id +
                           " comes from the configuration file: it is read-only here");
  }
  if (ifMatch && *ifMatch != before.stored->version) {
    return common::aborted("connector " + before.config.id + " is at version " +
                           std::to_string(before.stored->version) + ", not " +
                           std::to_string(*ifMatch) + ": read it again");
  }
  FHIRGW_RETURN_IF_ERROR(d_.store.deleteConnector(id, before.stored->version));
  {
    // No new delivery is routed to it from now on.
    std::lock_guard state(stateMutex_);
    instances_.erase(std::remove_if(instances_.begin(), instances_.end(),
                                    [id](const Instance& i) { return i.config.id == id; }),
                     instances_.end());
    publishRoutes();
  }
  // Its queued deliveries stay in the store, visible and re-routable; a disabled instance had
  // no lane.
  if (common::Status s = d_.engine.remove(id, d_.grace);
      !s.isOk() && s.code() != common::StatusCode::kNotFound) {
    Log::warning("gateway.connector-stop-failed",
                 {{"connectorId", std::string(id)}, {"code", common::statusCodeName(s.code())}});
  }
  auditChange("connector.delete", id, caller, {});
  Log::info("gateway.connector-deleted", {{"connectorId", std::string(id)}});
  return common::Status::ok();
}

common::Result<ConnectorSync> ConnectorService::sync() {
  std::lock_guard change(changeMutex_);
  auto stored = d_.store.listConnectors();
  if (!stored) return stored.error();
  std::vector<Instance> current;
  {
    std::lock_guard state(stateMutex_);
    current = instances_;
  }
  const auto running = [&current](std::string_view id) -> const Instance* {
    for (const Instance& i : current) {
      if (i.config.id == id) return &i;
    }
    return nullptr;
  };
  ConnectorSync out;
  std::vector<Instance> next;
  for (const Instance& i : current) {
    if (i.source == ConnectorSource::kFile) next.push_back(i);
  }
  std::set<std::string> storedIds;
  for (store::StoredConnector& row : *stored) {
    storedIds.insert(row.id);
    const Instance* mine = running(row.id);
    if (mine != nullptr && mine->source == ConnectorSource::kApi && mine->stored &&
        mine->stored->version == row.version) {
      next.push_back(*mine);
      continue;
    }
    const std::string id = row.id;
    const std::int64_t version = row.version;
    common::Status status;
    std::optional<Instance> opened;
    if (mine != nullptr && mine->source == ConnectorSource::kFile) {
      status = common::invalidArgument(
          "the configuration file of this instance has a connector with the same id");
    } else if (auto o = openStored(std::move(row)); !o) {
      status = o.error();
    } else {
      opened = std::move(*o);
      status = mine != nullptr ? d_.engine.replace(opened->config, opened->connector, d_.grace)
                               : d_.engine.add(opened->config, opened->connector);
    }
    if (!status.isOk()) {
      ++out.refused;
      if (mine != nullptr && mine->source == ConnectorSource::kApi) next.push_back(*mine);
      if (auto logged = refusedVersions_.find(id);
          logged == refusedVersions_.end() || logged->second != version) {
        refusedVersions_[id] = version;
        // Messages name the connector and the key path, never a secret or a record.
        Log::warning("gateway.connector-sync-refused",
                     {{"connectorId", id},
                      {"version", version},
                      {"code", common::statusCodeName(status.code())},
                      {"reason", status.message()}});
      }
      continue;
    }
    refusedVersions_.erase(id);
    ++(mine != nullptr ? out.replaced : out.added);
    next.push_back(std::move(*opened));
  }
  for (const Instance& i : current) {
    if (i.source != ConnectorSource::kApi || storedIds.count(i.config.id) != 0) continue;
    ++out.removed;
    // Its queued deliveries stay in the store; a disabled instance had no lane.
    if (common::Status s = d_.engine.remove(i.config.id, d_.grace);
        !s.isOk() && s.code() != common::StatusCode::kNotFound) {
      Log::warning("gateway.connector-stop-failed",
                   {{"connectorId", i.config.id}, {"code", common::statusCodeName(s.code())}});
    }
  }
  if (out.added + out.replaced + out.removed > 0) {
    sortInstances(next);
    {
      std::lock_guard state(stateMutex_);
      instances_ = std::move(next);
      publishRoutes();
    }
    Log::info("gateway.connectors-synced",
              {{"added", out.added}, {"replaced", out.replaced}, {"removed", out.removed}});
  }
  return out;
}

}  // namespace fhirgw::gateway
