// SqliteStore: the audit trail (the AuditLog role).

#include <string>
#include <vector>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

Result<std::int64_t> SqliteStore::appendAudit(const NewAuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty()) {
    return common::invalidArgument("audit: actor or action is empty");
  }
  if (hasNul(entry.detail)) return common::invalidArgument("audit: detail with a NUL character");
  Poco::Int64 id = 0;
  Status status = impl_->write("append audit", [&](Session& s) {
    // RETURNING is understood by SQLite (3.35+) and PostgreSQL alike.
    const NullableText detail = entry.detail.empty() ? NullableText() : NullableText(entry.detail);
    s << "INSERT INTO audit_entries (at, actor, action, target, outcome, request_id, detail)"
         " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        kw::bind(Poco::Int64{impl_->nowMs()}), kw::bind(entry.actor), kw::bind(entry.action),
        kw::bind(entry.target), kw::bind(entry.outcome), kw::bind(entry.requestId),
        kw::bind(detail), kw::into(id), kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return std::int64_t{id};
}

Result<std::vector<AuditEntry>> SqliteStore::queryAudit(const AuditQuery& query) const {
  return impl_->readValue<std::vector<AuditEntry>>(
      "query audit", [&](Session& s, std::vector<AuditEntry>& out) {
        using Row = Poco::Tuple<Poco::Int64, Poco::Int64, std::string, std::string, std::string,
                                std::string, std::string, NullableText>;
        std::vector<Row> rows;
        Statement statement(s);
        // Only the filters given become conditions, so each stays an indexable equality.
        std::string sql =
            "SELECT id, at, actor, action, target, outcome, request_id, detail FROM audit_entries"
            " WHERE TRUE";
        if (query.beforeId) {
          // Keyset paging on the primary key read backwards.
          sql += " AND id < ?";
          statement.addBind(kw::bind(Poco::Int64{*query.beforeId}));
        }
        if (query.since) {
          sql += " AND at >= ?";
          statement.addBind(kw::bind(Poco::Int64{toMillis(*query.since)}));
        }
        if (query.actor) {
          sql += " AND actor = ?";
          statement.addBind(kw::bind(*query.actor));
        }
        if (query.action) {
          sql += " AND action = ?";
          statement.addBind(kw::bind(*query.action));
        }
        const auto limit = std::min(query.limit, kMaxAuditPage);
        sql += " ORDER BY id DESC LIMIT " + std::to_string(limit);
        statement << sql;
        statement.addExtract(kw::into(rows));
        statement.execute();
        out.reserve(rows.size());
        for (const Row& row : rows) {
          out.push_back({row.get<0>(), fromMillis(row.get<1>()), row.get<2>(), row.get<3>(),
                         row.get<4>(), row.get<5>(), row.get<6>(),
                         fromNullable(row.get<7>()).value_or("")});
        }
        return Status::ok();
      });
}

}  // namespace fhirgw::store
