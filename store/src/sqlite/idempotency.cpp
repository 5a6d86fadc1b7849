// SqliteStore: stored answers of idempotent requests (retention.cpp purges the expired ones).

#include <string>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

Result<IdempotencyEntry> SqliteStore::findIdempotencyEntry(std::string_view clientId,
                                                           std::string_view key) const {
  return impl_->readValue<IdempotencyEntry>(
      "find idempotency entry", [&](Session& s, IdempotencyEntry& out) {
        using Row = Poco::Tuple<std::string, std::string, std::string, Poco::Int64, std::string,
                                Poco::Int64, Poco::Int64>;
        Row row;
        Statement query(s);
        query << "SELECT client_id, idempotency_key, request_hash, response_status, response_body,"
                 " created_at, expires_at FROM idempotency_keys"
                 " WHERE client_id = ? AND idempotency_key = ? AND expires_at > ?",
            kw::bind(std::string(clientId)), kw::bind(std::string(key)),
            kw::bind(Poco::Int64{impl_->nowMs()}), kw::into(row);
        if (query.execute() == 0) return common::notFound("idempotency key not found");
        out = {row.get<0>(),
               row.get<1>(),
               row.get<2>(),
               static_cast<int>(row.get<3>()),
               row.get<4>(),
               fromMillis(row.get<5>()),
               fromMillis(row.get<6>())};
        return impl_->sealer().open(out.responseBody,
                                    sealContext("idempotency_keys", "response_body",
                                                idempotencyRowId(out.clientId, out.key)));
      });
}

}  // namespace fhirgw::store
