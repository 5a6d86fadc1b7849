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
  IdempotencyEntry out;
  bool found = false;
  // Run for every submission: its statement is prepared once per read connection.
  FHIRGW_RETURN_IF_ERROR(
      impl_->readPrepared("find idempotency entry", [&](Session&, StatementCache& statements) {
        StatementRun run(statements, kFindIdempotencyEntry);
        run.text(clientId).text(key).integer(impl_->nowMs());
        if (!run.next()) return Status::ok();
        found = true;
        out = {std::string(run.columnBytes(0)), std::string(run.columnBytes(1)),
               std::string(run.columnBytes(2)), static_cast<int>(run.columnInteger(3)),
               std::string(run.columnBytes(4)), fromMillis(run.columnInteger(5)),
               fromMillis(run.columnInteger(6))};
        return impl_->sealer().open(out.responseBody,
                                    sealContext("idempotency_keys", "response_body",
                                                idempotencyRowId(out.clientId, out.key)));
      }));
  if (!found) return common::notFound("idempotency key not found");
  return out;
}

}  // namespace fhirgw::store
