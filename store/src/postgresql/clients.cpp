// PostgresStore: API clients and their keys (the ClientStore role).

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "postgresql/store_impl.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

constexpr std::string_view kClientColumns = "id, name, role, rate_limit, created_at, disabled";

// The client of row `i`, its columns from `first` on in kClientColumns' order.
Status toClient(const Rows& rows, int i, int first, Client& out) {
  const auto role = parseClientRole(rows.text(i, first + 2));
  if (!role) return common::internal("store: unknown client role in clients table");
  out.id = rows.text(i, first);
  out.name = rows.text(i, first + 1);
  out.role = *role;
  out.rateLimit = rows.optionalInteger(i, first + 3);
  out.createdAt = detail::pg::fromMillis(rows.integer(i, first + 4));
  out.disabled = rows.integer(i, first + 5) != 0;
  return Status::ok();
}

Status insertKey(Connection& c, const std::string& clientId, const NewApiKey& key,
                 std::int64_t now) {
  return c
      .exec("insert api key",
            "INSERT INTO api_keys (id, client_id, secret_hash, created_at, revoked)"
            " VALUES ($1, $2, $3, $4, 0)",
            Params().text(key.keyId).text(clientId).text(key.secretHash).integer(now))
      .status();
}

Status checkKey(const NewApiKey& key) {
  if (key.keyId.empty() || key.secretHash.empty()) {
    return common::invalidArgument("api key: id or hash is empty");
  }
  return Status::ok();
}

}  // namespace

Status PostgresStore::createClient(const NewClient& client, const NewApiKey& firstKey) {
  if (client.id.empty() || client.name.empty()) {
    return common::invalidArgument("client: id or name is empty");
  }
  if (detail::pg::hasNul(client.id) || detail::pg::hasNul(client.name)) {
    return common::invalidArgument("client: text with a NUL character");
  }
  FHIRGW_RETURN_IF_ERROR(checkKey(firstKey));
  return impl_->write("create client", [&](Connection& c) {
    const std::int64_t now = impl_->nowMs();
    FHIRGW_RETURN_IF_ERROR(c.exec("create client",
                                  "INSERT INTO clients (id, name, role, rate_limit, created_at,"
                                  " disabled) VALUES ($1, $2, $3, $4, $5, 0)",
                                  Params()
                                      .text(client.id)
                                      .text(client.name)
                                      .text(clientRoleName(client.role))
                                      .optionalInteger(client.rateLimit)
                                      .integer(now)));
    return insertKey(c, client.id, firstKey, now);
  });
}

Status PostgresStore::addApiKey(std::string_view clientId, const NewApiKey& key) {
  FHIRGW_RETURN_IF_ERROR(checkKey(key));
  return impl_->write("add api key", [&](Connection& c) {
    // FOR SHARE: a concurrent disableClient waits for this transaction, so a key is never added
    // to a client another instance has just disabled.
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("add api key", "SELECT disabled FROM clients WHERE id = $1 FOR SHARE",
                          Params().text(clientId)));
    if (rows.count() == 0) return common::notFound("client not found");
    // A disabled client's keys never authenticate: a new one would be a key that silently fails.
    if (rows.integer(0, 0) != 0) return common::failedPrecondition("client is disabled");
    return insertKey(c, std::string(clientId), key, impl_->nowMs());
  });
}

Result<std::vector<ApiKeyInfo>> PostgresStore::listApiKeys(std::string_view clientId) const {
  return impl_->readValue<std::vector<ApiKeyInfo>>(
      "list api keys",
      [&](Connection& c, std::vector<ApiKeyInfo>& out) {
        FHIRGW_ASSIGN_OR_RETURN(Rows exists,
                                c.exec("list api keys", "SELECT 1 FROM clients WHERE id = $1",
                                       Params().text(clientId)));
        if (exists.count() == 0) return common::notFound("client not found");
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("list api keys",
                                                  "SELECT id, created_at, revoked FROM api_keys"
                                                  " WHERE client_id = $1 ORDER BY created_at, id",
                                                  Params().text(clientId)));
        out.reserve(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          out.push_back(ApiKeyInfo{.keyId = rows.text(i, 0),
                                   .createdAt = detail::pg::fromMillis(rows.integer(i, 1)),
                                   .revoked = rows.integer(i, 2) != 0});
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Status PostgresStore::revokeApiKey(std::string_view clientId, std::string_view keyId) {
  return impl_->write("revoke api key", [&](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("revoke api key", "UPDATE api_keys SET revoked = 1 WHERE id = $1 AND client_id = $2",
               Params().text(keyId).text(clientId)));
    return rows.affected() == 0 ? common::notFound("api key not found") : Status::ok();
  });
}

Result<Client> PostgresStore::getClient(std::string_view clientId) const {
  return impl_->readValue<Client>("get client", [&](Connection& c, Client& out) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("get client",
                          "SELECT " + std::string(kClientColumns) + " FROM clients WHERE id = $1",
                          Params().text(clientId)));
    if (rows.count() == 0) return common::notFound("client not found");
    return toClient(rows, 0, 0, out);
  });
}

Result<std::vector<Client>> PostgresStore::listClients() const {
  return impl_->readValue<std::vector<Client>>(
      "list clients", [&](Connection& c, std::vector<Client>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("list clients", "SELECT " + std::string(kClientColumns) +
                                                  " FROM clients ORDER BY created_at, id"));
        out.resize(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          FHIRGW_RETURN_IF_ERROR(toClient(rows, i, 0, out[static_cast<std::size_t>(i)]));
        }
        return Status::ok();
      });
}

Status PostgresStore::disableClient(std::string_view clientId) {
  return impl_->write("disable client", [&](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("disable client", "UPDATE clients SET disabled = 1 WHERE id = $1",
                          Params().text(clientId)));
    return rows.affected() == 0 ? common::notFound("client not found") : Status::ok();
  });
}

Result<ActiveApiKey> PostgresStore::findActiveApiKey(std::string_view keyId) const {
  return impl_->readValue<ActiveApiKey>("find api key", [&](Connection& c, ActiveApiKey& out) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("find api key",
               "SELECT k.id, k.secret_hash, c.id, c.name, c.role, c.rate_limit, c.created_at,"
               " c.disabled FROM api_keys k JOIN clients c ON c.id = k.client_id"
               " WHERE k.id = $1 AND k.revoked = 0 AND c.disabled = 0",
               Params().text(keyId)));
    if (rows.count() == 0) return common::notFound("api key not found");
    out.keyId = rows.text(0, 0);
    out.secretHash = rows.text(0, 1);
    return toClient(rows, 0, 2, out.client);
  });
}

// ---- shared rate limits ----------------------------------------------------------------------

Result<std::optional<std::chrono::milliseconds>> PostgresStore::takeRequest(
    std::string_view clientId, std::int64_t perMinute) {
  if (perMinute <= 0) return common::invalidArgument("rate limit: not a positive limit");
  if (clientId.empty() || detail::pg::hasNul(clientId)) {
    return common::invalidArgument("rate limit: bad client id");
  }
  // GCRA: a request is due `interval` after the previous one's theoretical arrival time (tat);
  // it may come up to a minute's worth of intervals early, which is the bucket's capacity.
  constexpr std::int64_t kMinuteUs = std::int64_t{60} * 1000 * 1000;
  const std::int64_t interval = std::max<std::int64_t>(kMinuteUs / perMinute, 1);
  std::optional<std::chrono::milliseconds> wait;
  const Status written = impl_->write("rate limit", [&](Connection& c) {
    wait.reset();
    // Not worth a disk sync: a count lost in a crash only lets a client through a little early.
    FHIRGW_RETURN_IF_ERROR(c.run("rate limit", "SET LOCAL synchronous_commit = off"));
    const std::int64_t now = impl_->nowMs() * 1000;
    FHIRGW_ASSIGN_OR_RETURN(
        Rows taken,
        c.exec(
            "rate limit",
            "INSERT INTO rate_limits AS r (client_id, tat_us) VALUES ($1, $2::bigint + $3::bigint)"
            " ON CONFLICT (client_id) DO UPDATE"
            " SET tat_us = GREATEST(r.tat_us, $2::bigint) + $3::bigint"
            " WHERE GREATEST(r.tat_us, $2::bigint) + $3::bigint - $2::bigint <= $4::bigint"
            " RETURNING tat_us",
            Params().text(clientId).integer(now).integer(interval).integer(kMinuteUs)));
    if (taken.count() == 1) return Status::ok();
    // Refused (the row is locked by the statement above): when would the next one fit?
    FHIRGW_ASSIGN_OR_RETURN(
        Rows current, c.exec("rate limit", "SELECT tat_us FROM rate_limits WHERE client_id = $1",
                             Params().text(clientId)));
    if (current.count() != 1) return common::internal("store: rate limit row vanished");
    const std::int64_t early =
        std::max(current.integer(0, 0), now) + interval - now - kMinuteUs;  // microseconds
    wait = std::chrono::milliseconds(std::max<std::int64_t>((early + 999) / 1000, 1));
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return wait;
}

}  // namespace fhirgw::store
