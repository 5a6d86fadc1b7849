// /admin/v1/clients: API clients and their keys.
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "admin_body.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/api_keys.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;

/// A POST /admin/v1/clients body as a new client, or the issues that refuse it.
struct NewClientBody {
  store::NewClient client;
  std::vector<fhir::Issue> issues;
};

NewClientBody readNewClient(const common::JsonDocument& doc) {
  const Value& body = doc.root();
  NewClientBody read;
  auto bad = [&read](std::string expression, std::string diagnostics) {
    fhir::Issue i;
    i.severity = fhir::IssueSeverity::kError;
    i.code = "value";
    i.expression = std::move(expression);
    i.diagnostics = std::move(diagnostics);
    read.issues.push_back(std::move(i));
  };
  store::NewClient& client = read.client;
  client.id = common::newUuid();
  if (!body.HasMember("name") || !doc.isString(body["name"]) ||
      body["name"].GetStringLength() == 0 || body["name"].GetStringLength() > 200) {
    bad("name", "name is required: a string of 1 to 200 characters");
  } else {
    client.name = body["name"].GetString();
  }
  const std::string role =
      body.HasMember("role") && doc.isString(body["role"]) ? body["role"].GetString() : "";
  if (auto parsed = store::parseClientRole(role)) {
    client.role = *parsed;
  } else {
    bad("role", "role must be editor or admin");
  }
  if (body.HasMember("rateLimit") && !body["rateLimit"].IsNull()) {
    auto limit = admin::jsonInteger(doc, body["rateLimit"]);
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
  return read;
}

}  // namespace

void AdminApi::createClient(Exchange& ex) {
  auto doc = admin::readObject(ex);
  if (!doc) return;
  const NewClientBody read = readNewClient(*doc);
  if (!read.issues.empty()) {
    ex.sendOutcome(422, read.issues);
    return;
  }
  const store::NewClient& client = read.client;
  const GeneratedApiKey key = generateApiKey();
  if (common::Status s = store_.createClient(client, key.stored()); !s.isOk()) {
    ex.sendStatus(storeFailure(s, "client", StoreAccess::kWrite));
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
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
    ex.sendStatus(storeFailure(clients.error(), "client"));
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& c : *clients) {
    answer.PushBack(clientView(c, answer.GetAllocator()), answer.GetAllocator());
  }
  ex.sendJson(200, answer);
}

void AdminApi::getClient(Exchange& ex) {
  auto client = store_.getClient(ex.param("id"));
  if (!client) {
    ex.sendStatus(storeFailure(client.error(), "client"));
    return;
  }
  rapidjson::Document answer;
  Value v = clientView(*client, answer.GetAllocator());
  answer.CopyFrom(v, answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::disableClient(Exchange& ex) {
  if (common::Status s = store_.disableClient(ex.param("id")); !s.isOk()) {
    ex.sendStatus(storeFailure(s, "client", StoreAccess::kWrite));
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
    ex.sendStatus(storeFailure(client.error(), "client"));
    return;
  }
  if (client->disabled) {
    ex.sendError(409, "conflict", "the client is disabled; it cannot get new keys");
    return;
  }
  const GeneratedApiKey key = generateApiKey();
  if (common::Status s = store_.addApiKey(ex.param("id"), key.stored()); !s.isOk()) {
    ex.sendStatus(storeFailure(s, "client", StoreAccess::kWrite));
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
  answer.AddMember("client", jsonString(ex.param("id"), a), a);
  answer.AddMember("keyId", jsonString(key.keyId, a), a);
  answer.AddMember("key", jsonString(key.token, a), a);
  ex.setHeader("Cache-Control", "no-store");
  ex.sendJson(201, answer);
}

}  // namespace fhirgw::gateway
