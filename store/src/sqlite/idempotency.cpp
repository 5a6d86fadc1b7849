// SqliteStore: stored answers of idempotent requests (retention.cpp purges the expired ones).

#include <string>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

constexpr std::string_view kFindIdempotencyEntry =
    "SELECT client_id, idempotency_key, request_hash, response_status, response_body,"
    " created_at, expires_at FROM idempotency_keys"
    " WHERE client_id = ?1 AND idempotency_key = ?2 AND expires_at > ?3";

}  // namespace

Result<IdempotencyEntry> SqliteStore::findIdempotencyEntry(std::string_view clientId,
                                                           std::string_view key) const {
  // Run for every submission: its statement is prepared once per read connection.
  return impl_->readPreparedValue<IdempotencyEntry>(
      "find idempotency entry", [&](StatementCache& statements, IdempotencyEntry& out) {
        StatementRun run(statements, kFindIdempotencyEntry);
        run.text(clientId).text(key).integer(impl_->nowMs());
        if (!run.next()) return common::notFound("idempotency key not found");
        out = {std::string(run.columnBytes(0)), std::string(run.columnBytes(1)),
               std::string(run.columnBytes(2)), static_cast<int>(run.columnInteger(3)),
               std::string(run.columnBytes(4)), fromMillis(run.columnInteger(5)),
               fromMillis(run.columnInteger(6))};
        return impl_->sealer().open(out.responseBody,
                                    sealContext("idempotency_keys", "response_body",
                                                idempotencyRowId(out.clientId, out.key)));
      });
}

}  // namespace fhirgw::store
