#include "fhirgw/gateway/admin_api.hpp"

#include <rapidjson/document.h>

#include <charconv>
#include <limits>

#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/date_time.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/gateway/api_keys.hpp"
#include "fhirgw/gateway/json_io.hpp"

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

constexpr std::size_t kMaxAdminBody = 64 * 1024;

Value clientJson(const store::Client& c, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", jsonString(c.id, a), a);
  v.AddMember("name", jsonString(c.name, a), a);
  v.AddMember("role", jsonString(store::clientRoleName(c.role), a), a);
  if (c.rateLimit) v.AddMember("rateLimit", *c.rateLimit, a);
  v.AddMember("createdAt", jsonString(common::formatInstantUtc(c.createdAt), a), a);
  v.AddMember("disabled", c.disabled, a);
  return v;
}

/// Reads a small JSON object body; answers 415 / 413 / 400 itself.
std::optional<common::JsonDocument> readObject(Exchange& ex) {
  return readJsonObjectBody(ex, kMaxAdminBody, common::JsonLimits{});
}

/// A whole number written as a JSON number; nullopt otherwise.
std::optional<std::int64_t> jsonInteger(const common::JsonDocument& doc, const Value& v) {
  if (!doc.isNumber(v)) return std::nullopt;
  std::int64_t out = 0;
  const char* s = v.GetString();
  const char* end = s + v.GetStringLength();
  auto [p, ec] = std::from_chars(s, end, out);
  if (ec != std::errc() || p != end) return std::nullopt;
  return out;
}

/// Reads an optional whole-number query parameter in [min, max] into out; answers 400 at the
/// parameter and returns false when it is present but not such a number (a bad page size or
/// cursor must not silently read as the default).
template <typename T>
bool queryNumber(Exchange& ex, const char* name, T min, T max, T& out) {
  const auto& q = ex.query();
  const auto it = q.find(name);
  if (it == q.end()) return true;
  const std::string& text = it->second;
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    ex.sendError(400, "value",
                 std::string(name) + " must be a whole number from " + std::to_string(min) +
                     " to " + std::to_string(max),
                 name);
    return false;
  }
  out = value;
  return true;
}

void sendStoreError(Exchange& ex, const common::Status& s, std::string_view what) {
  if (s.code() == common::StatusCode::kNotFound) {
    ex.sendError(404, "not-found", "no such " + std::string(what));
  } else {
    ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
  }
}

/// Parses a UTC instant such as "2026-11-20T08:30:00Z" or "2026-11-20T08:30:00.250Z" (FHIR
/// dateTime with the Z offset); nullopt otherwise, or outside the clock's range.
std::optional<common::TimePoint> parseUtcInstant(const std::string& text) {
  if (text.empty() || text.back() != 'Z') return std::nullopt;
  const std::optional<fhir::DateTime> at = fhir::DateTime::parse(text);
  if (!at) return std::nullopt;
  // The clock counts nanoseconds: about the years 1678-2262.
  const auto min = std::chrono::ceil<std::chrono::milliseconds>(common::TimePoint::min());
  const auto max = std::chrono::floor<std::chrono::milliseconds>(common::TimePoint::max());
  if (at->instant < min || at->instant > max) return std::nullopt;
  return common::TimePoint(at->instant.time_since_epoch());
}

}  // namespace

void AdminApi::registerRoutes(Router& r) {
  constexpr RoutePolicy kAdmin = RoutePolicy::admin();
  r.add("POST", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { createClient(ex); });
  r.add("GET", "/admin/v1/clients", kAdmin, [this](Exchange& ex) { listClients(ex); });
  r.add("GET", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { getClient(ex); });
  r.add("DELETE", "/admin/v1/clients/{id}", kAdmin, [this](Exchange& ex) { disableClient(ex); });
  r.add("POST", "/admin/v1/clients/{id}/keys", kAdmin, [this](Exchange& ex) { addKey(ex); });
  r.add("PUT", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { putActivity(ex); });
  r.add("GET", "/admin/v1/practitioners/{rpps}/activity", kAdmin,
        [this](Exchange& ex) { getActivity(ex); });
  r.add("GET", "/admin/v1/audit", kAdmin, [this](Exchange& ex) { queryAudit(ex); });
  r.add("GET", "/admin/v1/deliveries", kAdmin, [this](Exchange& ex) { listDeliveries(ex); });
  r.add("GET", "/admin/v1/deliveries/{id}", kAdmin, [this](Exchange& ex) { getDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/{id}/retry", kAdmin,
        [this](Exchange& ex) { retryDelivery(ex); });
  r.add("POST", "/admin/v1/deliveries/retry", kAdmin,
        [this](Exchange& ex) { retryDeliveries(ex); });
}

void AdminApi::createClient(Exchange& ex) {
  auto doc = readObject(ex);
  if (!doc) return;
  const Value& body = doc->root();
  std::vector<fhir::Issue> issues;
  auto bad = [&issues](std::string expression, std::string diagnostics) {
    fhir::Issue i;
    i.severity = fhir::IssueSeverity::kError;
    i.code = "value";
    i.expression = std::move(expression);
    i.diagnostics = std::move(diagnostics);
    issues.push_back(std::move(i));
  };
  store::NewClient client;
  client.id = common::newUuid();
  if (!body.HasMember("name") || !doc->isString(body["name"]) ||
      body["name"].GetStringLength() == 0 || body["name"].GetStringLength() > 200) {
    bad("name", "name is required: a string of 1 to 200 characters");
  } else {
    client.name = body["name"].GetString();
  }
  const std::string role =
      body.HasMember("role") && doc->isString(body["role"]) ? body["role"].GetString() : "";
  if (auto parsed = store::parseClientRole(role)) {
    client.role = *parsed;
  } else {
    bad("role", "role must be editor or admin");
  }
  if (body.HasMember("rateLimit") && !body["rateLimit"].IsNull()) {
    auto limit = jsonInteger(*doc, body["rateLimit"]);
    if (!limit || *limit < 1) {
      bad("rateLimit", "rateLimit must be a positive integer (requests per minute)");
    } else {
      client.rateLimit = *limit;
    }
  }
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key != "name" && key != "role" && key != "rateLimit") {
      bad(std::string(key), "unknown field");
    }
  }
  if (!issues.empty()) {
    ex.sendOutcome(422, issues);
    return;
  }
  const GeneratedApiKey key = generateApiKey();
  if (common::Status s = store_.createClient(client, key.stored()); !s.isOk()) {
    sendStoreError(ex, s, "client");
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(client.id, a), a);
  answer.AddMember("name", jsonString(client.name, a), a);
  answer.AddMember("role", jsonString(store::clientRoleName(client.role), a), a);
  if (client.rateLimit) answer.AddMember("rateLimit", *client.rateLimit, a);
  answer.AddMember("key", jsonString(key.token, a), a);
  ex.setTarget(client.id);
  ex.setHeader("Location", "/admin/v1/clients/" + client.id);
  ex.setHeader("Cache-Control", "no-store");
  ex.sendJson(201, answer);
}

void AdminApi::listClients(Exchange& ex) {
  auto clients = store_.listClients();
  if (!clients) {
    sendStoreError(ex, clients.error(), "client");
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& c : *clients)
    answer.PushBack(clientJson(c, answer.GetAllocator()), answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::getClient(Exchange& ex) {
  auto client = store_.getClient(ex.param("id"));
  if (!client) {
    sendStoreError(ex, client.error(), "client");
    return;
  }
  rapidjson::Document answer;
  Value v = clientJson(*client, answer.GetAllocator());
  answer.CopyFrom(v, answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::disableClient(Exchange& ex) {
  if (common::Status s = store_.disableClient(ex.param("id")); !s.isOk()) {
    sendStoreError(ex, s, "client");
    return;
  }
  ex.send(204, kJson, "");
}

void AdminApi::addKey(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  // A disabled client's keys do not authenticate: a new one would be a key that silently never
  // works (or starts working if the client were re-enabled by some later feature).
  auto client = store_.getClient(ex.param("id"));
  if (!client) {
    sendStoreError(ex, client.error(), "client");
    return;
  }
  if (client->disabled) {
    ex.sendError(409, "conflict", "the client is disabled; it cannot get new keys");
    return;
  }
  const GeneratedApiKey key = generateApiKey();
  if (common::Status s = store_.addApiKey(ex.param("id"), key.stored()); !s.isOk()) {
    sendStoreError(ex, s, "client");
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("client", jsonString(ex.param("id"), a), a);
  answer.AddMember("keyId", jsonString(key.keyId, a), a);
  answer.AddMember("key", jsonString(key.token, a), a);
  ex.setHeader("Cache-Control", "no-store");
  ex.sendJson(201, answer);
}

void AdminApi::putActivity(Exchange& ex) {
  const std::string rpps = ex.param("rpps");
  ex.setTarget(rpps);
  auto doc = readObject(ex);
  if (!doc) return;
  const Value& body = doc->root();
  std::vector<fhir::Issue> issues;
  auto bad = [&issues](std::string code, std::string expression, std::string diagnostics) {
    fhir::Issue i;
    i.severity = fhir::IssueSeverity::kError;
    i.code = std::move(code);
    i.expression = std::move(expression);
    i.diagnostics = std::move(diagnostics);
    issues.push_back(std::move(i));
  };
  if (!fhir::fr::isValidRpps(rpps)) {
    fhir::Issue i;
    i.severity = fhir::IssueSeverity::kError;
    i.code = "value";
    i.ruleId = "ID-RPPS";
    i.expression = "rpps";
    i.detailsText = "Le numéro RPPS doit compter 11 chiffres avec une clé de Luhn valide.";
    i.diagnostics = "the RPPS in the path must be 11 digits with a valid Luhn check digit";
    issues.push_back(std::move(i));
  }
  std::optional<std::int64_t> year;
  std::optional<std::int64_t> total;
  if (!body.HasMember("year")) {
    bad("required", "year", "year is required");
  } else if (year = jsonInteger(*doc, body["year"]); !year || *year < 2000 || *year > 2200) {
    bad("value", "year", "year must be an integer between 2000 and 2200");
  }
  if (!body.HasMember("totalActs")) {
    bad("required", "totalActs", "totalActs is required");
  } else if (total = jsonInteger(*doc, body["totalActs"]); !total || *total < 0) {
    bad("value", "totalActs", "totalActs must be a non-negative integer");
  }
  // A derogation of the national commission: the practitioner's own TLC-ACTIVITY-CAP
  // threshold for that year (absent or null: the configured cap).
  std::optional<std::int64_t> capPercent;
  if (body.HasMember("capPercent") && !body["capPercent"].IsNull()) {
    capPercent = jsonInteger(*doc, body["capPercent"]);
    if (!capPercent || *capPercent < 0 || *capPercent > 100) {
      bad("value", "capPercent", "capPercent must be an integer percent between 0 and 100");
    }
  }
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key != "year" && key != "totalActs" && key != "capPercent") {
      bad("structure", std::string(key), "unknown field");
    }
  }
  if (!issues.empty()) {
    ex.sendOutcome(422, issues);
    return;
  }
  const std::optional<int> cap =
      capPercent ? std::optional<int>(static_cast<int>(*capPercent)) : std::nullopt;
  if (common::Status s =
          store_.upsertPractitionerActivity(rpps, static_cast<int>(*year), *total, cap);
      !s.isOk()) {
    sendStoreError(ex, s, "practitioner");
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("rpps", jsonString(rpps, a), a);
  answer.AddMember("year", *year, a);
  answer.AddMember("totalActs", *total, a);
  if (cap) {
    answer.AddMember("capPercent", *cap, a);
  } else {
    answer.AddMember("capPercent", Value(rapidjson::kNullType), a);
  }
  ex.sendJson(200, answer);
}

void AdminApi::getActivity(Exchange& ex) {
  const std::string rpps = ex.param("rpps");
  const auto& q = ex.query();
  int year = 0;
  auto it = q.find("year");
  if (it == q.end() ||
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), year).ec !=
          std::errc()) {
    ex.sendError(400, "required", "query parameter year is required", "year");
    return;
  }
  auto total = store_.getPractitionerActivity(rpps, year);
  if (!total) {
    sendStoreError(ex, total.error(), "declaration for that practitioner and year");
    return;
  }
  auto recorded = store_.countTeleconsultations(rpps, year);
  if (!recorded) {
    sendStoreError(ex, recorded.error(), "practitioner");
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("rpps", jsonString(rpps, a), a);
  answer.AddMember("year", year, a);
  answer.AddMember("totalActs", *total, a);
  answer.AddMember("teleconsultationsRecorded", *recorded, a);
  auto cap = store_.getPractitionerCapPercent(rpps, year);
  if (!cap) {
    sendStoreError(ex, cap.error(), "practitioner");
    return;
  }
  if (*cap) {
    answer.AddMember("capPercent", **cap, a);
  } else {
    answer.AddMember("capPercent", Value(rapidjson::kNullType), a);
  }
  ex.sendJson(200, answer);
}

void AdminApi::queryAudit(Exchange& ex) {
  store::AuditQuery query;
  const auto& q = ex.query();
  if (auto it = q.find("since"); it != q.end()) {
    auto since = parseUtcInstant(it->second);
    if (!since) {
      ex.sendError(400, "value", "since must be an instant in UTC such as 2026-11-20T08:30:00Z",
                   "since");
      return;
    }
    query.since = since;
  }
  if (auto it = q.find("actor"); it != q.end()) query.actor = it->second;
  if (auto it = q.find("action"); it != q.end()) query.action = it->second;
  if (!queryNumber<std::int64_t>(ex, "after", 0, std::numeric_limits<std::int64_t>::max(),
                                 query.afterId) ||
      !queryNumber<std::size_t>(ex, "limit", 1, store::kMaxAuditPage, query.limit)) {
    return;
  }
  auto entries = store_.queryAudit(query);
  if (!entries) {
    sendStoreError(ex, entries.error(), "audit");
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  Alloc& a = answer.GetAllocator();
  for (const auto& e : *entries) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", e.id, a);
    v.AddMember("at", jsonString(common::formatInstantUtc(e.at), a), a);
    v.AddMember("actor", jsonString(e.actor, a), a);
    v.AddMember("action", jsonString(e.action, a), a);
    v.AddMember("target", jsonString(e.target, a), a);
    v.AddMember("outcome", jsonString(e.outcome, a), a);
    v.AddMember("requestId", jsonString(e.requestId, a), a);
    answer.PushBack(v, a);
  }
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway

namespace fhirgw::gateway {

void AdminApi::listDeliveries(Exchange& ex) {
  store::DeliveryQuery query;
  const auto& q = ex.query();
  if (auto it = q.find("status"); it != q.end()) {
    query.status = store::parseDeliveryStatus(it->second);
    if (!query.status) {
      ex.sendError(400, "value",
                   "status must be pending, in-flight, delivered, failed, dead or skipped",
                   "status");
      return;
    }
  }
  if (auto it = q.find("connector"); it != q.end()) query.connectorId = it->second;
  if (auto it = q.find("since"); it != q.end()) {
    query.since = parseUtcInstant(it->second);
    if (!query.since) {
      ex.sendError(400, "value", "since must be an instant in UTC such as 2026-11-20T08:30:00Z",
                   "since");
      return;
    }
  }
  if (!queryNumber<std::size_t>(ex, "limit", 1, store::kMaxDeliveryPage, query.limit)) return;
  auto deliveries = store_.queryDeliveries(query);
  if (!deliveries) {
    sendStoreError(ex, deliveries.error(), "delivery");
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& d : *deliveries) {
    answer.PushBack(deliveryJson(d, answer.GetAllocator()), answer.GetAllocator());
  }
  ex.sendJson(200, answer);
}

void AdminApi::getDelivery(Exchange& ex) {
  auto delivery = store_.getDelivery(ex.param("id"));
  if (!delivery) {
    sendStoreError(ex, delivery.error(), "delivery");
    return;
  }
  auto attempts = store_.listDeliveryAttempts(delivery->id);
  if (!attempts) {
    sendStoreError(ex, attempts.error(), "delivery");
    return;
  }
  rapidjson::Document answer;
  Alloc& a = answer.GetAllocator();
  Value v = deliveryJson(*delivery, a);
  Value list(rapidjson::kArrayType);
  for (const auto& at : *attempts) {
    Value e(rapidjson::kObjectType);
    e.AddMember("at", jsonString(common::formatInstantUtc(at.at), a), a);
    e.AddMember("outcome", jsonString(store::attemptOutcomeName(at.outcome), a), a);
    if (at.errorClass)
      e.AddMember("errorClass", jsonString(store::errorClassName(*at.errorClass), a), a);
    if (at.httpStatus) e.AddMember("httpStatus", *at.httpStatus, a);
    if (at.message) e.AddMember("message", jsonString(*at.message, a), a);
    list.PushBack(e, a);
  }
  v.AddMember("attemptLog", list, a);
  answer.CopyFrom(v, a);
  ex.sendJson(200, answer);
}

void AdminApi::retryDelivery(Exchange& ex) {
  common::Status s = store_.retryDeadDelivery(ex.param("id"));
  if (s.code() == common::StatusCode::kFailedPrecondition) {
    ex.sendError(409, "conflict", "only a dead delivery can be retried");
    return;
  }
  if (!s.isOk()) {
    sendStoreError(ex, s, "delivery");
    return;
  }
  if (deliveriesQueued_) deliveriesQueued_();
  auto delivery = store_.getDelivery(ex.param("id"));
  if (!delivery) {
    sendStoreError(ex, delivery.error(), "delivery");
    return;
  }
  rapidjson::Document answer;
  Value v = deliveryJson(*delivery, answer.GetAllocator());
  answer.CopyFrom(v, answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::retryDeliveries(Exchange& ex) {
  store::DeadDeliveryFilter filter;
  const auto& q = ex.query();
  if (auto it = q.find("connector"); it != q.end()) filter.connectorId = it->second;
  if (auto it = q.find("record"); it != q.end()) filter.recordId = it->second;
  if (auto it = q.find("since"); it != q.end()) {
    filter.since = parseUtcInstant(it->second);
    if (!filter.since) {
      ex.sendError(400, "value", "since must be an instant in UTC such as 2026-11-20T08:30:00Z",
                   "since");
      return;
    }
  }
  auto count = store_.retryDeadDeliveries(filter);
  if (!count) {
    sendStoreError(ex, count.error(), "delivery");
    return;
  }
  if (*count > 0 && deliveriesQueued_) deliveriesQueued_();
  rapidjson::Document answer(rapidjson::kObjectType);
  answer.AddMember("retried", *count, answer.GetAllocator());
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
