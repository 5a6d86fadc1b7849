// PostgresStore: the audit trail (the AuditLog role).

#include <algorithm>
#include <string>
#include <vector>

#include "postgresql/store_impl.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

Result<std::int64_t> PostgresStore::appendAudit(const NewAuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty()) {
    return common::invalidArgument("audit: actor or action is empty");
  }
  for (const std::string* text : {&entry.actor, &entry.action, &entry.target, &entry.outcome,
                                  &entry.requestId, &entry.detail}) {
    if (detail::pg::hasNul(*text))
      return common::invalidArgument("audit: text with a NUL character");
  }
  std::int64_t id = 0;
  const Status written = impl_->write("append audit", [&](Connection& c) {
    const std::optional<std::string> detail =
        entry.detail.empty() ? std::nullopt : std::optional<std::string>(entry.detail);
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("append audit",
                          "INSERT INTO audit_entries (at, actor, action, target, outcome,"
                          " request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                          Params()
                              .integer(impl_->nowMs())
                              .text(entry.actor)
                              .text(entry.action)
                              .text(entry.target)
                              .text(entry.outcome)
                              .text(entry.requestId)
                              .optionalText(detail)));
    id = rows.integer(0, 0);
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return id;
}

Result<std::vector<AuditEntry>> PostgresStore::queryAudit(const AuditQuery& query) const {
  return impl_->readValue<std::vector<AuditEntry>>(
      "query audit", [&](Connection& c, std::vector<AuditEntry>& out) {
        // Only the filters given become conditions, so each stays an indexable equality.
        Params params;
        std::string sql =
            "SELECT id, at, actor, action, target, outcome, request_id, detail FROM audit_entries"
            " WHERE TRUE";
        const auto next = [&params] { return "$" + std::to_string(params.size() + 1); };
        if (query.beforeId) {
          // Keyset paging on the primary key read backwards.
          sql += " AND id < " + next();
          params.integer(*query.beforeId);
        }
        if (query.since) {
          sql += " AND at >= " + next();
          params.integer(detail::pg::toMillis(*query.since));
        }
        if (query.actor) {
          sql += " AND actor = " + next();
          params.text(*query.actor);
        }
        if (query.action) {
          sql += " AND action = " + next();
          params.text(*query.action);
        }
        sql += " ORDER BY id DESC LIMIT " + std::to_string(std::min(query.limit, kMaxAuditPage));
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("query audit", sql, params));
        out.reserve(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          out.push_back({rows.integer(i, 0), detail::pg::fromMillis(rows.integer(i, 1)),
                         rows.text(i, 2), rows.text(i, 3), rows.text(i, 4), rows.text(i, 5),
                         rows.text(i, 6), rows.optionalText(i, 7).value_or("")});
        }
        return Status::ok();
      });
}

}  // namespace fhirgw::store
