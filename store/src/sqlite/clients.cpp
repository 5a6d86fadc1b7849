// SqliteStore: API clients and their keys (the ClientStore role).

#include <string>
#include <vector>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

void insertKey(Session& s, const std::string& clientId, const NewApiKey& key, std::int64_t now) {
  s << "INSERT INTO api_keys (id, client_id, secret_hash, created_at, revoked)"
       " VALUES (?, ?, ?, ?, 0)",
      kw::bind(key.keyId), kw::bind(clientId), kw::bind(key.secretHash), kw::bind(Poco::Int64{now}),
      kw::now;
}

Status checkKey(const NewApiKey& key) {
  if (key.keyId.empty() || key.secretHash.empty()) {
    return common::invalidArgument("api key: id or hash is empty");
  }
  return Status::ok();
}

}  // namespace

Status SqliteStore::createClient(const NewClient& client, const NewApiKey& firstKey) {
  if (client.id.empty() || client.name.empty()) {
    return common::invalidArgument("client: id or name is empty");
  }
  FHIRGW_RETURN_IF_ERROR(checkKey(firstKey));
  return impl_->write("create client", [&](Session& s) {
    const std::int64_t now = impl_->nowMs();
    s << "INSERT INTO clients (id, name, role, rate_limit, created_at, disabled)"
         " VALUES (?, ?, ?, ?, ?, 0)",
        kw::bind(client.id), kw::bind(client.name),
        kw::bind(std::string(clientRoleName(client.role))),
        kw::bind(toNullableMillis(client.rateLimit)), kw::bind(Poco::Int64{now}), kw::now;
    insertKey(s, client.id, firstKey, now);
    return Status::ok();
  });
}

Status SqliteStore::addApiKey(std::string_view clientId, const NewApiKey& key) {
  FHIRGW_RETURN_IF_ERROR(checkKey(key));
  return impl_->write("add api key", [&](Session& s) {
    std::vector<Poco::Int64> disabled;
    s << "SELECT disabled FROM clients WHERE id = ?", kw::bind(std::string(clientId)),
        kw::into(disabled), kw::now;
    if (disabled.empty()) return common::notFound("client not found");
    // A disabled client's keys never authenticate: a new one would be a key that silently fails.
    if (disabled.front() != 0) return common::failedPrecondition("client is disabled");
    insertKey(s, std::string(clientId), key, impl_->nowMs());
    return Status::ok();
  });
}

Result<std::vector<ApiKeyInfo>> SqliteStore::listApiKeys(std::string_view clientId) const {
  return impl_->readValue<std::vector<ApiKeyInfo>>(
      "list api keys", [&](Session& s, std::vector<ApiKeyInfo>& out) {
        Poco::Int64 exists = 0;
        s << "SELECT COUNT(*) FROM clients WHERE id = ?", kw::bind(std::string(clientId)),
            kw::into(exists), kw::now;
        if (exists == 0) return common::notFound("client not found");
        std::vector<Poco::Tuple<std::string, Poco::Int64, Poco::Int64>> rows;
        s << "SELECT id, created_at, revoked FROM api_keys WHERE client_id = ?"
             " ORDER BY created_at, id",
            kw::bind(std::string(clientId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const auto& row : rows) {
          out.push_back(ApiKeyInfo{.keyId = row.get<0>(),
                                   .createdAt = fromMillis(row.get<1>()),
                                   .revoked = row.get<2>() != 0});
        }
        return Status::ok();
      });
}

Status SqliteStore::revokeApiKey(std::string_view clientId, std::string_view keyId) {
  return impl_->write("revoke api key", [&](Session& s) {
    Statement update(s);
    update << "UPDATE api_keys SET revoked = 1 WHERE id = ? AND client_id = ?",
        kw::bind(std::string(keyId)), kw::bind(std::string(clientId));
    return update.execute() == 0 ? common::notFound("api key not found") : Status::ok();
  });
}

Result<Client> SqliteStore::getClient(std::string_view clientId) const {
  return impl_->readValue<Client>("get client", [&](Session& s, Client& out) {
    ClientRow row;
    Statement query(s);
    query << selectFrom(kClientColumns, "FROM clients WHERE id = ?"),
        kw::bind(std::string(clientId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("client not found");
    return toClient(row, out);
  });
}

Result<std::vector<Client>> SqliteStore::listClients() const {
  return impl_->readValue<std::vector<Client>>(
      "list clients", [&](Session& s, std::vector<Client>& out) {
        std::vector<ClientRow> rows;
        s << selectFrom(kClientColumns, "FROM clients ORDER BY created_at, id"), kw::into(rows),
            kw::now;
        out.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          FHIRGW_RETURN_IF_ERROR(toClient(rows[i], out[i]));
        }
        return Status::ok();
      });
}

Status SqliteStore::disableClient(std::string_view clientId) {
  return impl_->write("disable client", [&](Session& s) {
    Statement update(s);
    update << "UPDATE clients SET disabled = 1 WHERE id = ?", kw::bind(std::string(clientId));
    return update.execute() == 0 ? common::notFound("client not found") : Status::ok();
  });
}

namespace {

constexpr std::string_view kFindActiveApiKey =
    "SELECT k.id, k.secret_hash, c.id, c.name, c.role, c.rate_limit, c.created_at,"
    " c.disabled FROM api_keys k JOIN clients c ON c.id = k.client_id"
    " WHERE k.id = ?1 AND k.revoked = 0 AND c.disabled = 0";

}  // namespace

Result<ActiveApiKey> SqliteStore::findActiveApiKey(std::string_view keyId) const {
  // Run for every API request: its statement is prepared once per read connection.
  return impl_->readPreparedValue<ActiveApiKey>(
      "find api key", [&](StatementCache& statements, ActiveApiKey& out) {
        StatementRun run(statements, kFindActiveApiKey);
        run.text(keyId);
        if (!run.next()) return common::notFound("api key not found");
        out.keyId = std::string(run.columnBytes(0));
        out.secretHash = std::string(run.columnBytes(1));
        return toClient(ClientRow(std::string(run.columnBytes(2)), std::string(run.columnBytes(3)),
                                  std::string(run.columnBytes(4)),
                                  toNullableMillis(run.columnOptionalInteger(5)),
                                  run.columnInteger(6), run.columnInteger(7)),
                        out.client);
      });
}

}  // namespace fhirgw::store
