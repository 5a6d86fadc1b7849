#include "schema.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/mappings/rule_config.hpp"
#include "fhirgw/mappings/rules.hpp"

namespace fhirgw::gateway::detail {
namespace {

using common::FieldReader;
using common::Json;
using common::MemberNames;
using common::Need;
using common::Shown;

constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
// Bodies are held in memory and RapidJSON lengths are 32-bit: 1 GiB is far past any sane limit.
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 30;
// canonicalJson and the FHIR walkers recurse, so the depth limit must stay small.
constexpr std::int64_t kMaxJsonDepth = 1024;
constexpr std::int64_t kMaxMillis = std::int64_t{24} * 3600 * 1000;
constexpr std::int64_t kMaxPercent = 100;
// An encounter announced more than a day ahead is a wrong clock or a wrong date, not a margin.
constexpr std::int64_t kMaxStartAheadSeconds = std::int64_t{24} * 3600;

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

template <typename Value>
std::vector<std::string> namesOf(const std::map<std::string, Value, std::less<>>& map) {
  std::vector<std::string> names;
  names.reserve(map.size());
  for (const auto& entry : map) names.push_back(entry.first);
  return names;
}

std::vector<std::string> ruleIds() {
  std::vector<std::string> ids;
  for (const mappings::RuleInfo* info : mappings::ruleCatalogue()) {
    if (info != nullptr) ids.emplace_back(info->id);
  }
  return ids;
}

std::string relationCodes() { return "one of " + domain::kRelationCodes.join(", "); }

std::optional<std::string> nonEmptyString(const Json& n) {
  if (!n.isString() || n.text().empty()) return std::nullopt;
  return n.text();
}

// The codes themselves are checked by validateRuleConfig, which knows the département forms.
std::optional<std::pair<std::string, std::string>> stringPair(const Json& n) {
  if (!n.isArray() || n.items().size() != 2) return std::nullopt;
  const Json& a = n.items()[0];
  const Json& b = n.items()[1];
  if (!a.isString() || !b.isString()) return std::nullopt;
  return std::make_pair(a.text(), b.text());
}

std::optional<domain::Relation> relation(const Json& n) {
  if (!n.isString()) return std::nullopt;
  return domain::parseRelation(n.text());
}

// "YYYY-MM-DD", or "" for no date (a rule in force since always, or with no end).
std::optional<std::optional<fhir::Date>> optionalDate(std::string_view text) {
  if (text.empty()) return std::optional<fhir::Date>{};
  std::optional<fhir::Date> day = fhir::Date::parse(text);
  if (!day) return std::nullopt;
  return std::optional<std::optional<fhir::Date>>{std::in_place, day};
}

// rules.effectiveFrom.<RULE-ID> / rules.effectiveUntil.<RULE-ID>: one bound of the effective
// periods (docs/rules.md, Rules in force by date).
void bindEffectiveDates(FieldReader& r, std::string_view key,
                        std::map<std::string, std::optional<fhir::Date>, std::less<>>& dates) {
  r.object(key, [&dates](FieldReader& d) {
    d.members("RULE-ID", ruleIds(), MemberNames::kListed,
              [&dates](FieldReader& m, const std::string& id) {
                std::optional<fhir::Date> day;
                if (code(m, id, "a date YYYY-MM-DD, or \"\" for none", day, optionalDate)) {
                  dates[id] = day;
                }
              });
  });
}

// rules.*: the settings of the rule engine (docs/rules.md). Maps are merged into the defaults:
// a file adds acts and specialties, and changes the default ones; arrays replace the default.
void bindRules(FieldReader& r, mappings::RuleConfig& rules) {
  r.object("severity", [&rules](FieldReader& s) {
    s.members("RULE-ID", ruleIds(), MemberNames::kListed,
              [&rules](FieldReader& m, const std::string& id) {
                if (auto severity = m.code(id, mappings::kRuleSeverityCodes)) {
                  rules.severities[id] = *severity;
                }
              });
  });
  bindEffectiveDates(r, "effectiveFrom", rules.effectiveFrom);
  bindEffectiveDates(r, "effectiveUntil", rules.effectiveUntil);
  r.object("tariffs", [&rules](FieldReader& t) {
    t.members("ACT", namesOf(rules.tariffs), MemberNames::kListedAndJson,
              [&rules](FieldReader& m, const std::string& act) {
                if (auto amount = m.string(act)) rules.tariffs[act] = *amount;
              });
  });
  // Who may bill each act (BILL-ACT): maps of lists; a list in the file replaces the default.
  for (auto* table : {&rules.actSpecialties, &rules.actSectors}) {
    const bool specialties = table == &rules.actSpecialties;
    r.object(specialties ? "actSpecialties" : "actSectors", [table, specialties](FieldReader& t) {
      t.members("ACT", namesOf(*table), MemberNames::kListedAndJson,
                [table, specialties](FieldReader& m, const std::string& act) {
                  std::vector<std::string> list;
                  if (array(m, act,
                            specialties ? "an array of specialty codes"
                                        : "an array of sector codes (1, 2, 2-optam, "
                                          "non-conventioned, none)",
                            "a non-empty string", list, nonEmptyString)) {
                    (*table)[act] = std::move(list);
                  }
                });
    });
  }
  array(r, "fallbackActs", "an array of act codes", "a non-empty string", rules.fallbackActs,
        nonEmptyString);
  r.object("activityCap", [&rules](FieldReader& a) {
    integer(a, "default", rules.activityCapDefaultPercent, 0, kMaxPercent);
    a.members("specialty", namesOf(rules.activityCapPercentBySpecialty),
              MemberNames::kListedAndJson, [&rules](FieldReader& m, const std::string& specialty) {
                int percent = 0;
                if (integer(m, specialty, percent, 0, kMaxPercent)) {
                  rules.activityCapPercentBySpecialty[specialty] = percent;
                }
              });
  });
  array(r, "forbiddenMajorations", "an array of majoration codes", "a non-empty string",
        rules.forbiddenMajorations, nonEmptyString);
  flag(r, "acceptTestInsOids", rules.acceptTestInsOids);
  array(r, "neighbouringDepartements", "an array of pairs of département codes",
        "a pair of strings such as [\"51\", \"02\"]", rules.neighbouringDepartements, stringPair);
  r.object("postalCodeDepartements", [&rules](FieldReader& p) {
    p.members("POSTAL-CODE", namesOf(rules.postalCodeDepartements), MemberNames::kListedAndJson,
              [&rules](FieldReader& m, const std::string& postalCode) {
                if (auto departement = m.string(postalCode)) {
                  rules.postalCodeDepartements[postalCode] = *departement;
                }
              });
  });
  integer(r, "maxDocumentBytes", rules.maxDocumentBytes, 1, kMaxBytes);
  array(r, "sickLeaveExemptRelations", "an array of relation codes", relationCodes(),
        rules.sickLeaveExemptRelations, relation);
  duration(r, "maxStartAheadSeconds", "seconds", rules.maxStartAhead, 0, kMaxStartAheadSeconds);
  r.object("sickLeaveDurationCapMonths", [&rules](FieldReader& m) {
    constexpr std::int64_t kMaxMonths = 120;
    integer(m, "initial", rules.sickLeaveCapMonthsInitial, 1, kMaxMonths);
    integer(m, "prolongation", rules.sickLeaveCapMonthsProlongation, 1, kMaxMonths);
  });
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
  });
  root.object("storage", [&c](FieldReader& r) {
    text(r, "dataDir", c.storage.dataDir);
    text(r, "url", c.storage.url, Shown::kSecret);  // a PostgreSQL URL may carry a password
    // At least a second: a tighter loop would only compete with request writes.
    milliseconds(r, "idempotencyPurgeIntervalMs", c.storage.idempotencyPurgeInterval, 1000,
                 kMaxMillis);
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
  root.object("rules", [&c](FieldReader& r) { bindRules(r, c.rules); });
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
