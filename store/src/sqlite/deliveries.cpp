// SqliteStore: the delivery queue (claims with leases, attempts, recovery, admin retries, metrics;
// the DeliveryQueue role).

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection.hpp"
#include "delivery_checks.hpp"
#include "fair_picker.hpp"
#include "fhirgw/common/ids.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

// The fair order among the deliveries the queue may hand out (due pending or failed ones, and
// in-flight ones whose lease expired: their worker died or hung): a due delivery of the client
// this connector served least recently (never served: turn 0), then of that client's least
// recently served record (never served: the first to join the connector's line), then the
// oldest due (next_attempt_at, then insertion order). A claim walks each client's line of
// records (delivery_lines, kept by triggers: schema.cpp, migration 11) in that order and reads
// the due deliveries of the records it takes only, until it has `limit` records with something
// due per client; the picks are then made in memory (FairPicker). So a claim reads about
// clients × limit records, not the whole queue (issue 15, docs/performance.md).

// The clients with a line on a connector: a skip-scan of delivery_lines_line, one index seek per
// client. Binds connector_id.
constexpr std::string_view kLineClients =
    "WITH RECURSIVE c (id) AS ("
    " SELECT MIN(client_id) FROM delivery_lines WHERE connector_id = ?1"
    " UNION ALL"
    " SELECT (SELECT MIN(client_id) FROM delivery_lines WHERE connector_id = ?1"
    "  AND client_id > c.id) FROM c WHERE c.id IS NOT NULL)"
    " SELECT id FROM c WHERE id IS NOT NULL";

constexpr std::string_view kClientTurns =
    "SELECT scope_id, turn FROM delivery_turns WHERE connector_id = ? AND scope = 'client'";

// A client's line, front first. Binds connector_id, client_id.
constexpr std::string_view kClientLine =
    "SELECT record_id, turn, seq FROM delivery_lines WHERE connector_id = ? AND client_id = ?"
    " ORDER BY turn, seq";

// The line entry of one record. Binds connector_id, record_id.
constexpr std::string_view kLineOf =
    "SELECT client_id, turn, seq FROM delivery_lines WHERE connector_id = ? AND record_id = ?";

// The due pending and failed deliveries of one record on a connector, oldest first, at most
// ?4 of each: two ranges of deliveries_record_due in its order. Binds record_id, connector_id,
// now, limit.
constexpr std::string_view kRecordDue =
    "SELECT id, next_attempt_at, n FROM (SELECT id, next_attempt_at, rowid AS n FROM deliveries"
    " WHERE record_id = ?1 AND connector_id = ?2 AND status = 'pending'"
    " AND next_attempt_at <= ?3 ORDER BY next_attempt_at, rowid LIMIT ?4)"
    " UNION ALL "
    "SELECT id, next_attempt_at, n FROM (SELECT id, next_attempt_at, rowid AS n FROM deliveries"
    " WHERE record_id = ?1 AND connector_id = ?2 AND status = 'failed'"
    " AND next_attempt_at <= ?3 ORDER BY next_attempt_at, rowid LIMIT ?4)";

// Whether a record still has something to deliver on a connector (else its line entry goes).
// Binds record_id, connector_id.
constexpr std::string_view kRecordOpen =
    "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE record_id = ? AND connector_id = ?"
    " AND status IN ('pending', 'failed', 'in-flight') LIMIT 1)";

// In-flight deliveries of the connector whose lease expired (normally none). Binds
// connector_id, now.
constexpr std::string_view kExpiredLeases =
    "SELECT id, record_id, next_attempt_at, rowid FROM deliveries"
    " WHERE connector_id = ? AND status = 'in-flight' AND lease_expires_at <= ?";

// Puts a record in a connector's line if it is not there (as the triggers do). Binds
// connector_id, record_id.
constexpr std::string_view kJoinLine =
    "INSERT INTO delivery_lines (connector_id, record_id, client_id)"
    " SELECT ?1, ?2, client_id FROM records WHERE id = ?2"
    " ON CONFLICT (connector_id, record_id) DO NOTHING";

constexpr std::string_view kSetClientTurn =
    "INSERT INTO delivery_turns (connector_id, scope, scope_id, turn) VALUES (?, 'client', ?, ?)"
    " ON CONFLICT (connector_id, scope, scope_id) DO UPDATE SET turn = excluded.turn";

constexpr std::string_view kSetRecordTurn =
    "UPDATE delivery_lines SET turn = ? WHERE connector_id = ? AND record_id = ?";

constexpr std::string_view kLeaveLine = "DELETE FROM delivery_lines WHERE seq = ?";

constexpr std::string_view kClaimOne =
    "UPDATE deliveries SET status = 'in-flight', lease_owner = ?, lease_id = ?,"
    " lease_expires_at = ?, first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ?"
    " WHERE id = ?";

constexpr std::string_view kFinishOne =
    "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?,"
    " reason = ?, last_error = ?, lease_owner = NULL, lease_id = NULL,"
    " lease_expires_at = NULL, updated_at = ?"
    " WHERE id = ? AND status = 'in-flight' AND lease_id = ?";

constexpr std::string_view kInsertAttempt =
    "INSERT INTO delivery_attempts (delivery_id, at, outcome, error_class, http_status, message)"
    " VALUES (?, ?, ?, ?, ?, ?)";

constexpr std::string_view kSealAttemptMessage =
    "UPDATE delivery_attempts SET message = ? WHERE id = ?";

/// Resets a cached statement that is read row by row (StatementRun covers the others).
class CursorReset {
 public:
  explicit CursorReset(sqlite3_stmt* statement) : statement_(statement) {}
  ~CursorReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  CursorReset(const CursorReset&) = delete;
  CursorReset& operator=(const CursorReset&) = delete;

 private:
  sqlite3_stmt* statement_;
};

std::string columnText(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text == nullptr
             ? std::string()
             : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

std::optional<std::string> textOrNull(const std::optional<std::string>& value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

NullableInt toNullableTime(const std::optional<common::TimePoint>& t) {
  return t ? NullableInt(toMillis(*t)) : NullableInt();
}

NullableInt toNullableInt(const std::optional<int>& v) {
  return v ? NullableInt(Poco::Int64{*v}) : NullableInt();
}

NullableText errorClassText(const std::optional<ErrorClass>& c) {
  return c ? NullableText(std::string(errorClassName(*c))) : NullableText();
}

// An attempt that never reported back (crash, hang, lost lease) still counts: a payload that
// kills the process every time must reach the attempt limit rather than loop for ever.
// An attempt row; its message is sealed under its own id (known only once inserted) when
// encryption is on. On the writer connection (its prepared statements).
void insertAttempt(const Sealer& sealer, StatementCache& cache, const std::string& deliveryId,
                   Poco::Int64 at, const std::string& outcome, const NullableText& errorClass,
                   const NullableInt& httpStatus, const NullableText& message) {
  const bool sealed = sealer.keyRing() != nullptr && !message.isNull();
  StatementRun(cache, kInsertAttempt)
      .text(deliveryId)
      .integer(at)
      .text(outcome)
      .text(errorClass)
      .integer(httpStatus)
      .text(sealed ? NullableText() : message)
      .execute();
  if (!sealed) return;
  const std::int64_t id = sqlite3_last_insert_rowid(cache.db());
  const std::string sealedMessage =
      sealer.seal(message.value(), sealContext("delivery_attempts", "message", std::to_string(id)));
  StatementRun(cache, kSealAttemptMessage).text(sealedMessage).integer(id).execute();
}

void recordInterrupted(const Sealer& sealer, StatementCache& cache, Session& s,
                       const std::string& deliveryId, Poco::Int64 now, const std::string& message) {
  insertAttempt(sealer, cache, deliveryId, now, "interrupted", NullableText("transient"),
                NullableInt(), NullableText(message));
  s << "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ?"
       " WHERE id = ?",
      kw::bind(sealer.seal(message, sealContext("deliveries", "last_error", deliveryId))),
      kw::bind(now), kw::bind(deliveryId), kw::now;
}

/// Steps a cached statement (reset by a CursorReset) through its rows.
template <typename Fn>
void forEachRow(StatementCache& cache, sqlite3_stmt* statement, Fn&& fn) {
  int rc = 0;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) fn();
  if (rc != SQLITE_DONE) Poco::Data::SQLite::Utility::throwException(cache.db(), rc);
}

/// Adds to the picker a record of the connector's line read by its id, putting it in the line
/// first if it is not there (a delivery in flight always has its line entry: this is a repair).
Status addLineEntry(StatementCache& cache, FairPicker& picker, const std::string& connector,
                    const std::string& recordId) {
  for (int round = 0; round < 2; ++round) {
    sqlite3_stmt* entry = cache.get(kLineOf);
    const CursorReset reset(entry);
    sqlite3_bind_text(entry, 1, connector.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(entry, 2, recordId.c_str(), -1, SQLITE_STATIC);
    const int rc = sqlite3_step(entry);
    if (rc == SQLITE_ROW) {
      picker.addRecord(recordId, columnText(entry, 0), sqlite3_column_int64(entry, 1),
                       sqlite3_column_int64(entry, 2));
      return Status::ok();
    }
    if (rc != SQLITE_DONE) Poco::Data::SQLite::Utility::throwException(cache.db(), rc);
    StatementRun(cache, kJoinLine).text(connector).text(recordId).execute();
  }
  return common::internal("claim: a delivery's record is missing");
}

Status readDelivery(const Sealer& sealer, Session& s, const std::string& id, Delivery& out) {
  DeliveryRow row;
  Statement query(s);
  query << selectFrom(kDeliveryColumns, "FROM deliveries WHERE id = ?"), kw::bind(id),
      kw::into(row);
  if (query.execute() == 0) return common::notFound("delivery not found");
  FHIRGW_RETURN_IF_ERROR(toDelivery(row, out));
  return sealer.openDelivery(out);
}

}  // namespace

// ---- claims and attempts -------------------------------------------------------------------

Result<std::vector<Delivery>> SqliteStore::claimDeliveries(const ClaimRequest& request) {
  if (request.connectorId.empty() || request.owner.empty()) {
    return common::invalidArgument("claim: empty connector id or owner");
  }
  if (request.lease.count() <= 0 || request.limit == 0) {
    return common::invalidArgument("claim: lease and limit must be positive");
  }
  std::vector<Delivery> claimed;
  Status status = impl_->write("claim deliveries", [&](Session& s) {
    claimed.clear();
    StatementCache& cache = impl_->writerStatements();
    const Poco::Int64 now = impl_->nowMs();
    const std::string leaseId = common::newUuid();
    const Poco::Int64 expires = now + request.lease.count();
    // SQLite serialises writers (BEGIN IMMEDIATE), so no two claims see the same rows. The
    // PostgreSQL spelling reads the due rows with FOR UPDATE OF d SKIP LOCKED for the same
    // effect between instances.
    FairPicker picker;
    const std::string& connector = request.connectorId;
    const auto limit = static_cast<std::int64_t>(request.limit);
    {
      sqlite3_stmt* turns = cache.get(kClientTurns);
      const CursorReset reset(turns);
      sqlite3_bind_text(turns, 1, connector.c_str(), -1, SQLITE_STATIC);
      forEachRow(cache, turns, [&] {
        picker.addClientTurn(columnText(turns, 0), sqlite3_column_int64(turns, 1));
      });
    }
    // Adds a record's due deliveries; false when it has none.
    const auto addRecordDue = [&](const std::string& recordId) {
      sqlite3_stmt* due = cache.get(kRecordDue);
      const CursorReset reset(due);
      sqlite3_bind_text(due, 1, recordId.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(due, 2, connector.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(due, 3, now);
      sqlite3_bind_int64(due, 4, limit);
      bool any = false;
      forEachRow(cache, due, [&] {
        picker.addDue(columnText(due, 0), false, recordId, sqlite3_column_int64(due, 1),
                      sqlite3_column_int64(due, 2));
        any = true;
      });
      return any;
    };
    std::vector<std::string> clients;
    {
      sqlite3_stmt* lineClients = cache.get(kLineClients);
      const CursorReset reset(lineClients);
      sqlite3_bind_text(lineClients, 1, connector.c_str(), -1, SQLITE_STATIC);
      forEachRow(cache, lineClients, [&] { clients.push_back(columnText(lineClients, 0)); });
    }
    // Each client's line from the front, until `limit` records with something due; the entries
    // of records left with nothing to deliver on this connector are taken out on the way.
    std::vector<std::int64_t> finishedLines;
    for (const std::string& client : clients) {
      sqlite3_stmt* line = cache.get(kClientLine);
      const CursorReset reset(line);
      sqlite3_bind_text(line, 1, connector.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(line, 2, client.c_str(), -1, SQLITE_STATIC);
      std::int64_t taken = 0;
      int rc = 0;
      while (taken < limit && (rc = sqlite3_step(line)) == SQLITE_ROW) {
        std::string recordId = columnText(line, 0);
        picker.addRecord(recordId, client, sqlite3_column_int64(line, 1),
                         sqlite3_column_int64(line, 2));
        if (addRecordDue(recordId)) {
          ++taken;
        } else if (StatementRun(cache, kRecordOpen).text(recordId).text(connector).single() == 0) {
          finishedLines.push_back(sqlite3_column_int64(line, 2));
        }
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE && rc != 0) {
        Poco::Data::SQLite::Utility::throwException(cache.db(), rc);
      }
    }
    {
      sqlite3_stmt* expired = cache.get(kExpiredLeases);
      const CursorReset reset(expired);
      sqlite3_bind_text(expired, 1, connector.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(expired, 2, now);
      std::vector<std::tuple<std::string, std::string, std::int64_t, std::int64_t>> rows;
      forEachRow(cache, expired, [&] {
        rows.emplace_back(columnText(expired, 0), columnText(expired, 1),
                          sqlite3_column_int64(expired, 2), sqlite3_column_int64(expired, 3));
      });
      for (const auto& [id, recordId, due, order] : rows) {
        if (!picker.hasRecord(recordId)) {
          FHIRGW_RETURN_IF_ERROR(addLineEntry(cache, picker, connector, recordId));
          addRecordDue(recordId);
        }
        picker.addDue(id, true, recordId, due, order);
      }
    }
    picker.prepare();
    // Each pick moves its client and record to the back of the line, so the next pick (in this
    // claim or the next one) serves somebody else first.
    std::vector<std::string> ids;
    while (ids.size() < request.limit) {
      std::optional<FairPicker::Pick> pick = picker.next();
      if (!pick) break;
      if (pick->expiredLease) {
        recordInterrupted(impl_->sealer(), cache, s, pick->id, now,
                          "the previous attempt did not finish before its lease expired");
      }
      StatementRun(cache, kClaimOne)
          .text(request.owner)
          .text(leaseId)
          .integer(expires)
          .integer(now)
          .integer(now)
          .text(pick->id)
          .execute();
      ids.push_back(std::move(pick->id));
    }
    for (const std::int64_t seq : finishedLines)
      StatementRun(cache, kLeaveLine).integer(seq).execute();
    if (ids.empty()) return Status::ok();
    picker.forEachChangedClientTurn([&](const std::string& id, Poco::Int64 turn) {
      StatementRun(cache, kSetClientTurn).text(connector).text(id).integer(turn).execute();
    });
    picker.forEachChangedRecordTurn([&](const std::string& id, Poco::Int64 turn) {
      StatementRun(cache, kSetRecordTurn).integer(turn).text(connector).text(id).execute();
    });
    // Read back in one index range (the connector's in-flight rows), then in pick order.
    std::vector<DeliveryRow> rows;
    s << selectFrom(kDeliveryColumns,
                    "FROM deliveries WHERE connector_id = ? AND status = 'in-flight'"
                    " AND lease_id = ?"),
        kw::bind(request.connectorId), kw::bind(leaseId), kw::into(rows), kw::now;
    if (rows.size() != ids.size()) return common::internal("claim: claimed rows not found");
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < ids.size(); ++i) position.emplace(ids[i], i);
    claimed.resize(ids.size());
    for (const DeliveryRow& row : rows) {
      const auto at = position.find(row.get<0>());
      if (at == position.end()) return common::internal("claim: unexpected claimed row");
      Delivery& d = claimed[at->second];
      FHIRGW_RETURN_IF_ERROR(toDelivery(row, d));
      FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(d));
    }
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return claimed;
}

Status SqliteStore::finishAttempt(const FinishedAttempt& f) {
  FHIRGW_ASSIGN_OR_RETURN(std::vector<Status> statuses,
                          finishAttempts(std::span<const FinishedAttempt>(&f, 1)));
  return statuses.front();
}

Result<std::vector<Status>> SqliteStore::finishAttempts(std::span<const FinishedAttempt> finished) {
  std::vector<Status> statuses;
  statuses.reserve(finished.size());
  bool anyValid = false;
  for (const FinishedAttempt& f : finished) {
    statuses.push_back(checkFinishedAttempt(f));
    anyValid = anyValid || statuses.back().isOk();
  }
  if (!anyValid) return statuses;
  Status status = impl_->write("finish attempts", [&](Session&) {
    StatementCache& cache = impl_->writerStatements();
    const Poco::Int64 now = impl_->nowMs();
    for (std::size_t i = 0; i < finished.size(); ++i) {
      const FinishedAttempt& f = finished[i];
      if (!checkFinishedAttempt(f).isOk()) continue;  // its status is already set
      statuses[i] = Status::ok();
      const bool failed = f.next != DeliveryStatus::kDelivered;
      const NullableInt due =
          f.next == DeliveryStatus::kFailed ? toNullableTime(f.nextAttemptAt) : NullableInt();
      const NullableText reason =
          f.next == DeliveryStatus::kDead ? toNullable(f.reason) : NullableText();
      const NullableText lastError =
          failed
              ? toNullable(impl_->sealer().sealOptional(
                    textOrNull(f.message), sealContext("deliveries", "last_error", f.deliveryId)))
              : NullableText();
      const std::string next(deliveryStatusName(f.next));
      StatementRun(cache, kFinishOne)
          .text(next)
          .integer(due)
          .text(reason)
          .text(lastError)
          .integer(now)
          .text(f.deliveryId)
          .text(f.leaseId)
          .execute();
      if (sqlite3_changes(cache.db()) == 0) {
        statuses[i] = common::failedPrecondition("finish attempt: the lease was lost");
        continue;
      }
      insertAttempt(impl_->sealer(), cache, f.deliveryId, Poco::Int64{toMillis(f.startedAt)},
                    std::string(attemptOutcomeName(f.outcome)), errorClassText(f.errorClass),
                    toNullableInt(f.httpStatus), toNullable(textOrNull(f.message)));
    }
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return statuses;
}

Status SqliteStore::releaseDelivery(std::string_view deliveryId, std::string_view leaseId,
                                    common::TimePoint dueAt) {
  return impl_->write("release delivery", [&](Session& s) {
    Statement update(s);
    // Never attempted: back to pending, and the 72-hour window has not started.
    update << "UPDATE deliveries SET"
              " status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END,"
              " first_attempt_at = CASE WHEN attempts = 0 THEN NULL ELSE first_attempt_at END,"
              " next_attempt_at = ?, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL,"
              " updated_at = ? WHERE id = ? AND status = 'in-flight' AND lease_id = ?",
        kw::bind(Poco::Int64{toMillis(dueAt)}), kw::bind(Poco::Int64{impl_->nowMs()}),
        kw::bind(std::string(deliveryId)), kw::bind(std::string(leaseId));
    if (update.execute() == 0) return common::failedPrecondition("release: the lease was lost");
    return Status::ok();
  });
}

Status SqliteStore::abandonDelivery(std::string_view deliveryId, std::string_view leaseId,
                                    std::string_view reason) {
  if (reason.empty() || hasNul(reason)) return common::invalidArgument("abandon: bad reason");
  return impl_->write("abandon delivery", [&](Session& s) {
    Statement update(s);
    update << "UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, reason = ?,"
              " lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = ?"
              " WHERE id = ? AND status = 'in-flight' AND lease_id = ?",
        kw::bind(std::string(reason)), kw::bind(Poco::Int64{impl_->nowMs()}),
        kw::bind(std::string(deliveryId)), kw::bind(std::string(leaseId));
    if (update.execute() == 0) return common::failedPrecondition("abandon: the lease was lost");
    return Status::ok();
  });
}

Result<std::int64_t> SqliteStore::recoverInFlightDeliveries(std::string_view owner) {
  if (owner.empty()) return common::invalidArgument("recover: empty owner");
  std::int64_t recovered = 0;
  Status status = impl_->write("recover deliveries", [&](Session& s) {
    recovered = 0;
    const Poco::Int64 now = impl_->nowMs();
    std::vector<std::string> ids;
    s << "SELECT id FROM deliveries WHERE status = 'in-flight'"
         " AND (lease_owner = ? OR lease_expires_at <= ?) ORDER BY id",
        kw::bind(std::string(owner)), kw::bind(now), kw::into(ids), kw::now;
    for (const std::string& id : ids) {
      recordInterrupted(impl_->sealer(), impl_->writerStatements(), s, id, now,
                        "the attempt was interrupted (restart or expired lease)");
      s << "UPDATE deliveries SET status = 'failed', next_attempt_at = ?, lease_owner = NULL,"
           " lease_id = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
          kw::bind(now), kw::bind(now), kw::bind(id), kw::now;
    }
    recovered = static_cast<std::int64_t>(ids.size());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return recovered;
}

Result<std::optional<common::TimePoint>> SqliteStore::nextDeliveryDue(
    std::string_view connectorId) const {
  return impl_->readValue<std::optional<common::TimePoint>>(
      "next delivery due",
      [&](Session& s, std::optional<common::TimePoint>& out) {
        NullableInt due;
        NullableInt lease;
        const std::string id(connectorId);
        s << "SELECT MIN(next_attempt_at) FROM deliveries"
             " WHERE connector_id = ? AND status IN ('pending', 'failed')",
            kw::bind(id), kw::into(due), kw::now;
        s << "SELECT MIN(lease_expires_at) FROM deliveries"
             " WHERE connector_id = ? AND status = 'in-flight'",
            kw::bind(id), kw::into(lease), kw::now;
        out = fromNullableMillis(due);
        if (auto l = fromNullableMillis(lease); l && (!out || *l < *out)) out = l;
        return Status::ok();
      },
      /*snapshot=*/true);
}

// ---- reads for the admin API -----------------------------------------------------------------

Result<Delivery> SqliteStore::getDelivery(std::string_view deliveryId) const {
  return impl_->readValue<Delivery>("get delivery", [&](Session& s, Delivery& out) {
    return readDelivery(impl_->sealer(), s, std::string(deliveryId), out);
  });
}

Result<std::vector<DeliveryAttempt>> SqliteStore::listDeliveryAttempts(
    std::string_view deliveryId) const {
  return impl_->readValue<std::vector<DeliveryAttempt>>(
      "list delivery attempts", [&](Session& s, std::vector<DeliveryAttempt>& out) {
        using Row = Poco::Tuple<Poco::Int64, std::string, Poco::Int64, std::string, NullableText,
                                NullableInt, NullableText>;
        std::vector<Row> rows;
        s << "SELECT id, delivery_id, at, outcome, error_class, http_status, message"
             " FROM delivery_attempts WHERE delivery_id = ? ORDER BY at, id",
            kw::bind(std::string(deliveryId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const Row& row : rows) {
          DeliveryAttempt a;
          a.id = row.get<0>();
          a.deliveryId = row.get<1>();
          a.at = fromMillis(row.get<2>());
          const auto outcome = parseAttemptOutcome(row.get<3>());
          if (!outcome) return common::internal("store: unknown attempt outcome");
          a.outcome = *outcome;
          if (auto c = fromNullable(row.get<4>())) {
            a.errorClass = parseErrorClass(*c);
            if (!a.errorClass) return common::internal("store: unknown attempt error class");
          }
          if (auto h = fromNullable(row.get<5>())) a.httpStatus = static_cast<int>(*h);
          a.message = fromNullable(row.get<6>());
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().open(
              a.message, sealContext("delivery_attempts", "message", std::to_string(a.id))));
          out.push_back(std::move(a));
        }
        return Status::ok();
      });
}

Result<std::vector<Delivery>> SqliteStore::queryDeliveries(const DeliveryQuery& query) const {
  return impl_->readValue<std::vector<Delivery>>(
      "query deliveries", [&](Session& s, std::vector<Delivery>& out) {
        std::vector<DeliveryRow> rows;
        Statement statement(s);
        std::string sql = selectFrom(kDeliveryColumns, "FROM deliveries WHERE 1 = 1");
        if (query.status) {
          sql += " AND status = ?";
          statement.addBind(kw::bind(std::string(deliveryStatusName(*query.status))));
        }
        if (query.connectorId) {
          sql += " AND connector_id = ?";
          statement.addBind(kw::bind(*query.connectorId));
        }
        if (query.recordId) {
          sql += " AND record_id = ?";
          statement.addBind(kw::bind(*query.recordId));
        }
        if (query.since) {
          sql += " AND updated_at >= ?";
          statement.addBind(kw::bind(Poco::Int64{toMillis(*query.since)}));
        }
        if (query.after) {
          // Keyset paging: portable, and stable while rows keep changing (a delivery that
          // changes meanwhile moves to the head of the listing, out of the pages still to read).
          const Poco::Int64 at = toMillis(query.after->updatedAt);
          sql += " AND (updated_at < ? OR (updated_at = ? AND id < ?))";
          statement.addBind(kw::bind(at));
          statement.addBind(kw::bind(at));
          statement.addBind(kw::bind(query.after->id));
        }
        const auto limit = std::min(query.limit, kMaxDeliveryPage);
        // Newest first: deliveries_updated (updated_at, id) read backwards, or
        // deliveries_record_due for one record (a few rows to sort).
        sql += " ORDER BY updated_at DESC, id DESC LIMIT " + std::to_string(limit);
        statement << sql;
        statement.addExtract(kw::into(rows));
        statement.execute();
        out.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          FHIRGW_RETURN_IF_ERROR(toDelivery(rows[i], out[i]));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(out[i]));
        }
        return Status::ok();
      });
}

Result<std::vector<QueueDepth>> SqliteStore::deliveryQueueDepths() const {
  return impl_->readValue<std::vector<QueueDepth>>(
      "delivery queue depths", [&](Session& s, std::vector<QueueDepth>& out) {
        using Row = Poco::Tuple<NullableText, std::string, Poco::Int64>;
        std::vector<Row> rows;
        s << "SELECT connector_id, status, COUNT(*) FROM deliveries"
             " GROUP BY connector_id, status ORDER BY connector_id, status",
            kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const Row& row : rows) {
          const auto status = parseDeliveryStatus(row.get<1>());
          if (!status) return common::internal("store: unknown delivery status");
          out.push_back({fromNullable(row.get<0>()), *status, row.get<2>()});
        }
        return Status::ok();
      });
}

Result<std::optional<common::TimePoint>> SqliteStore::oldestQueuedDeliveryAt(
    std::string_view connectorId) const {
  return impl_->readValue<std::optional<common::TimePoint>>(
      "oldest queued delivery", [&](Session& s, std::optional<common::TimePoint>& out) {
        // Rows are inserted in creation order and rowids only grow (VACUUM renumbers them in
        // the same order), so the smallest rowid is the oldest delivery. The queue index holds
        // the rowid: finding it reads index entries only (no table row per queued delivery, so a
        // scrape stays cheap under a backlog), then one row for its created_at. Always one row:
        // NULL when nothing is queued.
        NullableInt created;
        s << "SELECT (SELECT created_at FROM deliveries WHERE rowid = (SELECT MIN(rowid)"
             " FROM deliveries WHERE connector_id = ? AND status IN"
             " ('pending', 'in-flight', 'failed')))",
            kw::bind(std::string(connectorId)), kw::into(created), kw::now;
        out = fromNullableMillis(created);
        return Status::ok();
      });
}

Result<std::vector<FhirResource>> SqliteStore::listRecordFhirResources(
    std::string_view recordId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list record resources", [&](Session& s, std::vector<FhirResource>& out) {
        std::vector<FhirResourceRow> rows;
        s << "SELECT f.record_id, f.document_id, f.resource_type, f.resource_id, f.version, f.json"
             " FROM fhir_resources f WHERE f.record_id = ? AND f.version ="
             " (SELECT MAX(g.version) FROM fhir_resources g"
             "  WHERE g.resource_type = f.resource_type AND g.resource_id = f.resource_id)"
             " ORDER BY f.created_at, f.rowid",
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const FhirResourceRow& row : rows) {
          out.push_back(toFhirResource(row));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openFhirResource(out.back()));
        }
        return Status::ok();
      });
}

namespace {

// A delivery's stored resources, latest versions: the record-level rows, then (a document's
// delivery) the document's, two index range scans on (record_id, document_id); never the other
// documents' rows.
constexpr std::string_view kRecordLevelPayload =
    "SELECT f.record_id, f.document_id, f.resource_type, f.resource_id, f.version, f.json,"
    " f.created_at, f.rowid FROM fhir_resources f WHERE f.record_id = ?1"
    " AND f.document_id IS NULL AND f.version = (SELECT MAX(g.version) FROM fhir_resources g"
    "  WHERE g.resource_type = f.resource_type AND g.resource_id = f.resource_id)"
    " ORDER BY 7, 8";
constexpr std::string_view kDocumentPayload =
    "SELECT f.record_id, f.document_id, f.resource_type, f.resource_id, f.version, f.json,"
    " f.created_at, f.rowid FROM fhir_resources f WHERE f.record_id = ?1"
    " AND f.document_id IS NULL AND f.version = (SELECT MAX(g.version) FROM fhir_resources g"
    "  WHERE g.resource_type = f.resource_type AND g.resource_id = f.resource_id)"
    " UNION ALL"
    " SELECT f.record_id, f.document_id, f.resource_type, f.resource_id, f.version, f.json,"
    " f.created_at, f.rowid FROM fhir_resources f WHERE f.record_id = ?1"
    " AND f.document_id = ?2 AND f.version = (SELECT MAX(g.version) FROM fhir_resources g"
    "  WHERE g.resource_type = f.resource_type AND g.resource_id = f.resource_id)"
    " ORDER BY 7, 8";

}  // namespace

Result<std::vector<FhirResource>> SqliteStore::listPayloadFhirResources(
    std::string_view recordId, const std::optional<std::string>& documentId) const {
  std::vector<FhirResource> out;
  // Run for every delivery: its statement is prepared once per read connection.
  const auto read = [&](Session&, StatementCache& statements) {
    StatementRun run(statements, documentId ? kDocumentPayload : kRecordLevelPayload);
    run.text(recordId);
    if (documentId) run.text(*documentId);
    while (run.next()) {
      FhirResource& r = out.emplace_back();
      r.recordId = std::string(run.columnBytes(0));
      r.documentId = run.columnText(1);
      r.resourceType = std::string(run.columnBytes(2));
      r.resourceId = std::string(run.columnBytes(3));
      r.version = static_cast<int>(run.columnInteger(4));
      r.json = std::string(run.columnBytes(5));
      FHIRGW_RETURN_IF_ERROR(impl_->sealer().openFhirResource(r));
    }
    return Status::ok();
  };
  FHIRGW_RETURN_IF_ERROR(impl_->readPrepared("list payload resources", read));
  return out;
}

// ---- admin retries ---------------------------------------------------------------------------

namespace {

// A retried delivery gets a fresh budget: due now, attempts and the 72-hour window start over.
// The attempt history stays in delivery_attempts.
constexpr std::string_view kRetryDead =
    "UPDATE deliveries SET status = 'pending', attempts = 0, first_attempt_at = NULL,"
    " next_attempt_at = ?, reason = NULL, updated_at = ? WHERE status = 'dead'";

// A dead delivery of a record whose content retention purged has nothing left to deliver (the
// single writer orders a retry and a purge: no lock needed, unlike PostgreSQL).
constexpr std::string_view kRecordNotPurged =
    " AND NOT EXISTS (SELECT 1 FROM records r WHERE r.id = deliveries.record_id"
    " AND r.purged_at IS NOT NULL)";

/// The conditions of a bulk retry's filter, appended to sql with their values bound: the retry
/// and its dry run select the same rows.
void appendDeadFilter(const DeadDeliveryFilter& filter, std::string& sql, Statement& statement) {
  if (filter.connectorId) {
    sql += " AND connector_id = ?";
    statement.addBind(kw::bind(*filter.connectorId));
  }
  if (filter.recordId) {
    sql += " AND record_id = ?";
    statement.addBind(kw::bind(*filter.recordId));
  }
  if (filter.since) {
    sql += " AND updated_at >= ?";
    statement.addBind(kw::bind(Poco::Int64{toMillis(*filter.since)}));
  }
}

}  // namespace

Status SqliteStore::retryDeadDelivery(std::string_view deliveryId) {
  return impl_->write("retry delivery", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    Statement update(s);
    update << std::string(kRetryDead) + std::string(kRecordNotPurged) + " AND id = ?",
        kw::bind(now), kw::bind(now), kw::bind(std::string(deliveryId));
    if (update.execute() != 0) return Status::ok();
    Delivery d;
    FHIRGW_RETURN_IF_ERROR(readDelivery(impl_->sealer(), s, std::string(deliveryId), d));
    return detail::notRetried(d.status);
  });
}

Result<std::int64_t> SqliteStore::retryDeadDeliveries(const DeadDeliveryFilter& filter) {
  std::int64_t count = 0;
  Status status = impl_->write("retry deliveries", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    Statement update(s);
    std::string sql(kRetryDead);
    sql += kRecordNotPurged;
    update.addBind(kw::bind(now));
    update.addBind(kw::bind(now));
    appendDeadFilter(filter, sql, update);
    update << sql;
    count = static_cast<std::int64_t>(update.execute());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return count;
}

Result<std::int64_t> SqliteStore::countRetriableDeadDeliveries(
    const DeadDeliveryFilter& filter) const {
  return impl_->readValue<std::int64_t>(
      "count dead deliveries", [&](Session& s, std::int64_t& out) {
        Poco::Int64 count = 0;
        Statement select(s);
        std::string sql = "SELECT COUNT(*) FROM deliveries WHERE status = 'dead'";
        sql += kRecordNotPurged;
        appendDeadFilter(filter, sql, select);
        select << sql;
        select.addExtract(kw::into(count));
        select.execute();
        out = count;
        return Status::ok();
      });
}

Result<std::int64_t> SqliteStore::rerouteDeliveries(const RerouteRequest& request) {
  const std::string& from = request.fromConnectorId;
  const std::string& to = request.toConnectorId;
  if (from.empty() || to.empty() || hasNul(from) || hasNul(to)) {
    return common::invalidArgument("reroute: bad connector id");
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<DeliveryStatus> statuses,
                          detail::rerouteStatuses(request));
  std::int64_t count = 0;
  Status status = impl_->write("reroute deliveries", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    Statement update(s);
    // A fresh budget, as an admin retry gives; in-flight rows are never taken (their worker
    // holds the lease), so no lease is cleared.
    std::string sql =
        "UPDATE deliveries SET connector_id = ?, status = 'pending', attempts = 0,"
        " first_attempt_at = NULL, next_attempt_at = ?, reason = NULL, updated_at = ?"
        " WHERE connector_id = ? AND status IN (";
    update.addBind(kw::bind(to));
    update.addBind(kw::bind(now));
    update.addBind(kw::bind(now));
    update.addBind(kw::bind(from));
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      update.addBind(kw::bind(std::string(deliveryStatusName(statuses[i]))));
    }
    sql += ")";
    if (request.since) {
      sql += " AND created_at >= ?";
      update.addBind(kw::bind(Poco::Int64{toMillis(*request.since)}));
    }
    if (request.destination) {
      sql += " AND destination = ?";
      update.addBind(kw::bind(*request.destination));
    }
    // Retention purged the record's content: nothing is left to deliver (only dead ones).
    sql += kRecordNotPurged;
    // The target instance already has this document for this destination: left in place.
    sql +=
        " AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.connector_id = ?"
        " AND o.record_id = deliveries.record_id AND o.destination = deliveries.destination"
        " AND o.document_id IS deliveries.document_id)";
    update.addBind(kw::bind(to));
    update << sql;
    count = static_cast<std::int64_t>(update.execute());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return count;
}

}  // namespace fhirgw::store
