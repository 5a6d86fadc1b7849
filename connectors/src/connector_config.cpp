#include "fhirgw/connectors/connector_config.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "fhirgw/connectors/options_reader.hpp"

namespace fhirgw::connectors {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

bool validId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) != 0 ||
           std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

void readRetry(OptionsReader& r, RetryPolicy& p) {
  if (auto v = r.millis("initialDelayMs", 1, kDayMs)) p.initialDelay = *v;
  if (auto v = r.number("multiplier", 1.0, 10.0)) p.multiplier = *v;
  if (auto v = r.millis("maxDelayMs", 1, kDayMs)) p.maxDelay = *v;
  if (auto v = r.millis("maxAgeMs", 1, 30 * kDayMs)) p.maxAge = *v;
  if (auto v = r.integer("maxAttempts", 1, 1'000'000)) p.maxAttempts = *v;
  if (p.maxDelay < p.initialDelay) r.error("maxDelayMs", "must not be below initialDelayMs");
  r.finish();
}

void readBreaker(OptionsReader& r, CircuitBreakerOptions& b) {
  if (auto v = r.integer("failureThreshold", 1, 1000)) b.failureThreshold = static_cast<int>(*v);
  if (auto v = r.millis("openMs", 1, kDayMs)) b.openDuration = *v;
  if (auto v = r.millis("maxOpenMs", 1, kDayMs)) b.maxOpenDuration = *v;
  if (b.maxOpenDuration < b.openDuration) r.error("maxOpenMs", "must not be below openMs");
  r.finish();
}

// The keys of an instance besides id, type and enabled.
void readCommon(OptionsReader& r, ConnectorInstanceConfig& out) {
  if (auto routes = r.strings("routes", /*required=*/true)) {
    std::set<Destination> seen;
    for (std::size_t i = 0; i < routes->size(); ++i) {
      const auto d = parseDestination((*routes)[i]);
      const std::string key = "routes[" + std::to_string(i) + "]";
      if (!d) {
        r.error(key, "must be one of dmp, treating-physician, patient, encounter");
      } else if (!seen.insert(*d).second) {
        r.error(key, "is listed twice");
      } else {
        out.routes.push_back(*d);
      }
    }
    if (routes->empty()) r.error("routes", "must list at least one destination");
  }
  if (auto w = r.integer("workers", 1, 16)) out.workers = static_cast<int>(*w);
  if (auto retry = r.child("retry")) readRetry(*retry, out.retry);
  if (auto breaker = r.child("circuitBreaker")) readBreaker(*breaker, out.circuitBreaker);
  if (auto options = r.child("options")) {
    // Canonical text keeps numbers as written; the type's factory parses it again.
    out.optionsJson = options->json()->canonical();
  }
}

}  // namespace

common::Result<ConnectorInstanceConfig> parseConnectorInstance(const common::Json& value,
                                                               std::string path) {
  common::FieldErrors errors;
  ConnectorInstanceConfig out;
  out.path = path;
  OptionsReader r(value, std::move(path), errors);
  if (r.isObject()) {
    if (auto id = r.string("id", /*required=*/true)) {
      if (validId(*id)) {
        out.id = *id;
      } else {
        r.error("id", "must be 1 to 64 characters among a-z, 0-9, '-' and '_'");
      }
    }
    if (auto type = r.string("type", /*required=*/true)) {
      if (type->empty()) r.error("type", "must not be empty");
      out.type = *type;
    }
    if (auto enabled = r.boolean("enabled")) out.enabled = *enabled;
    readCommon(r, out);
    r.finish();
  }
  FHIRGW_RETURN_IF_ERROR(errors.status());
  return out;
}

common::Result<std::vector<ConnectorInstanceConfig>> parseConnectorInstanceList(
    const common::Json& array, const std::string& path) {
  if (!array.isArray()) return common::invalidArgument(path + ": must be an array");
  std::vector<ConnectorInstanceConfig> out;
  common::FieldErrors errors;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < array.items().size(); ++i) {
    const std::string at = common::indexKeyPath(path, i);
    auto instance = parseConnectorInstance(array.items()[i], at);
    if (!instance) {
      errors.add(instance.error().message());
      continue;
    }
    if (!ids.insert(instance->id).second) {
      errors.add(at + ".id: \"" + instance->id + "\" is used by another connector");
      continue;
    }
    out.push_back(std::move(*instance));
  }
  FHIRGW_RETURN_IF_ERROR(errors.status());
  return out;
}

common::Result<std::vector<ConnectorInstanceConfig>> parseConnectorInstances(
    std::string_view jsonText, const std::string& path) {
  auto json = common::Json::parse(jsonText);
  if (!json) return common::invalidArgument(path + ": " + json.error().message());
  return parseConnectorInstanceList(*json, path);
}

}  // namespace fhirgw::connectors
