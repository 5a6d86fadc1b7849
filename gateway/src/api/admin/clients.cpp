// /admin/v1/clients: API clients and their keys.
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin_body.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/text.hpp"
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

NewClientBody readNewClient(const common::Json& body) {
  NewClientBody read;
  admin::BodyIssues issues("value");
  common::FieldReader r(&body, "", issues);
  store::NewClient& client = read.client;
  client.id = common::newUuid();
  // The name and the role state their rule whatever is wrong (absent, null, another kind, a
  // bad value). A name is one line of text: no control character (a NUL would cut it short in
  // the store, a line break would forge lines in an operator's listing).
  const common::Json* name = r.take("name");
  if (name != nullptr && name->isString() && !name->text().empty() && name->text().size() <= 200 &&
      common::controlCharacterAt(name->text(), /*multiLine=*/false) == std::string_view::npos) {
    client.name = name->text();
  } else {
    r.error("name",
            "name is required: a string of 1 to 200 characters, without control characters");
  }
  if (r.has("role")) {
    const std::optional<store::ClientRole> role = r.leaf<store::ClientRole>(
        "role", common::JsonKind::kString, "editor or admin", common::Need::kOptional,
        common::Shown::kValue, [](std::string_view text) { return store::parseClientRole(text); });
    if (role) client.role = *role;
  } else {
    r.error("role", "role must be editor or admin");
  }
  client.rateLimit = r.integer("rateLimit", 1, INT64_MAX, common::Need::kNullable,
                               "a positive integer (requests per minute)");
  r.finish();
  read.issues = issues.issues();
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
  // As for revoking a key (below): the caller keeps the credential it is calling with, so an
  // administrator cannot lock itself, maybe the last one, out.
  if (ex.clientId() == ex.param("id")) {
    ex.sendError(409, "conflict",
                 "this request is authenticated as that client; disable it with another "
                 "administrator's key");
    return;
  }
  if (common::Status s = store_.disableClient(ex.param("id")); !s.isOk()) {
    ex.sendStatus(storeFailure(s, "client", StoreAccess::kWrite));
    return;
  }
  ex.send(204, kJson, "");
}

void AdminApi::addKey(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  const GeneratedApiKey key = generateApiKey();
  if (common::Status s = store_.addApiKey(ex.param("id"), key.stored()); !s.isOk()) {
    // A disabled client's keys do not authenticate: a new one would be a key that silently never
    // works (or starts working if the client were re-enabled by some later feature). The store
    // checks it in the same transaction as the insert.
    if (s.code() == common::StatusCode::kFailedPrecondition) {
      ex.sendError(409, "conflict", "the client is disabled; it cannot get new keys");
    } else {
      ex.sendStatus(storeFailure(s, "client", StoreAccess::kWrite));
    }
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

void AdminApi::listKeys(Exchange& ex) {
  ex.setTarget(ex.param("id"));
  auto keys = store_.listApiKeys(ex.param("id"));
  if (!keys) {
    ex.sendStatus(storeFailure(keys.error(), "client"));
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& k : *keys)
    answer.PushBack(apiKeyView(k, answer.GetAllocator()), answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::revokeKey(Exchange& ex) {
  const std::string clientId = ex.param("id");
  const std::string keyId = ex.param("keyId");
  ex.setTarget(clientId + "/" + keyId);
  // The key this very request authenticates with stays: revoking it could lock the last
  // administrator out (nothing re-enables a key), and whoever revokes still holds a working
  // admin credential afterwards. To rotate one's own key: add a key, switch, revoke the old one
  // with the new one.
  constexpr std::string_view kBearer = "Bearer ";
  const std::string header = ex.header("Authorization");
  if (ex.clientId() == clientId && header.starts_with(kBearer)) {
    const auto parts = splitApiKey(std::string_view(header).substr(kBearer.size()));
    if (parts && parts->keyId == keyId) {
      ex.sendError(409, "conflict",
                   "this request is authenticated with that key; revoke it with another "
                   "administrator key");
      return;
    }
  }
  if (common::Status s = store_.revokeApiKey(clientId, keyId); !s.isOk()) {
    ex.sendStatus(storeFailure(s, "key of this client", StoreAccess::kWrite));
    return;
  }
  ex.send(204, kJson, "");
}

}  // namespace fhirgw::gateway
