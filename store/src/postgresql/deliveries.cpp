// PostgresStore: the delivery queue (claims with leases, attempts, recovery, admin retries,
// metrics; the DeliveryQueue role), for several gateway instances sharing one database.

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "delivery_checks.hpp"
#include "fair_picker.hpp"
#include "fhirgw/common/ids.hpp"
#include "postgresql/delivery_rows.hpp"
#include "postgresql/rows.hpp"
#include "postgresql/store_impl.hpp"
#include "sealer.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

// The claim's reads (docs/storage.md, "Fair order"; the SQLite claim has the same steps): the
// clients with a line on the connector (a skip-scan of delivery_lines_line), their turns, then
// per client the front of its line, `limit` records with something due, each with its due
// deliveries (at most `limit` of each status, oldest first), read without a lock (the picks
// are locked afterwards).
constexpr std::string_view kLineClients =
    "WITH RECURSIVE c (id) AS ("
    " SELECT MIN(client_id) FROM delivery_lines WHERE connector_id = $1"
    " UNION ALL"
    " SELECT (SELECT MIN(client_id) FROM delivery_lines WHERE connector_id = $1"
    "  AND client_id > c.id) FROM c WHERE c.id IS NOT NULL)"
    " SELECT id FROM c WHERE id IS NOT NULL";

// A window of a line from a place on (`turn`, `seq` after $5, $6; `column` = $4: a client's line,
// or one record's entry), $7 entries, each with its due deliveries (at most $3 of each status,
// oldest first; none: NULLs). The entries are read in the index's order and each record's
// deliveries by its own index range (deliveries_record_due): no plan here depends on the
// tables' statistics. Binds connector_id, now, limit, value, turn, seq, window.
constexpr std::string_view kLineWindow =
    "SELECT l.client_id, l.record_id, l.turn, l.seq, d.id, d.next_attempt_at, d.seq"
    " FROM (SELECT client_id, record_id, turn, seq FROM delivery_lines"
    "  WHERE connector_id = $1 AND ";
constexpr std::string_view kLineWindowRest =
    " = $4 AND (turn, seq) > ($5, $6) ORDER BY turn, seq LIMIT $7) l"
    " LEFT JOIN LATERAL ("
    " (SELECT id, next_attempt_at, seq FROM deliveries WHERE record_id = l.record_id"
    "  AND connector_id = $1 AND status = 'pending' AND next_attempt_at <= $2"
    "  ORDER BY next_attempt_at, seq LIMIT $3)"
    " UNION ALL"
    " (SELECT id, next_attempt_at, seq FROM deliveries WHERE record_id = l.record_id"
    "  AND connector_id = $1 AND status = 'failed' AND next_attempt_at <= $2"
    "  ORDER BY next_attempt_at, seq LIMIT $3)) d ON TRUE"
    " ORDER BY l.turn, l.seq";

// In-flight deliveries of the connector whose lease expired (normally none), with their line
// entry (NULL when the record is not in the line: repaired, kJoinLine).
constexpr std::string_view kExpiredLeases =
    "SELECT d.id, d.record_id, d.next_attempt_at, d.seq, l.client_id, l.turn, l.seq"
    " FROM deliveries d LEFT JOIN delivery_lines l"
    "  ON l.connector_id = d.connector_id AND l.record_id = d.record_id"
    " WHERE d.connector_id = $1 AND d.status = 'in-flight' AND d.lease_expires_at <= $2";

constexpr std::string_view kJoinLine =
    "INSERT INTO delivery_lines (connector_id, record_id, client_id)"
    " SELECT $1, $2, client_id FROM records WHERE id = $2"
    " ON CONFLICT (connector_id, record_id) DO NOTHING";

// Locks the picks that are still due and that no other transaction holds (SKIP LOCKED: a claim
// never waits for another instance's claim, it takes the next delivery in its order instead),
// and makes them in-flight under this claim's lease in the same statement. A pick that another
// claim took since the read is no longer due, or is locked: it is left out. A re-claimed expired
// lease counts its lost attempt (attempts + 1, last error: NULL keeps the previous one until it
// is sealed, when encryption is on); RETURNING gives the row, then the status it had.
// Binds owner, lease id, lease expiry, now, the interrupted message (or NULL), the ids (text[]),
// connector_id.
constexpr std::string_view kClaimPicks =
    "UPDATE deliveries d SET status = 'in-flight', lease_owner = $1, lease_id = $2,"
    " lease_expires_at = $3, first_attempt_at = COALESCE(d.first_attempt_at, $4),"
    " updated_at = $4,"
    " attempts = d.attempts + CASE WHEN p.status = 'in-flight' THEN 1 ELSE 0 END,"
    " last_error = CASE WHEN p.status = 'in-flight' THEN COALESCE($5, d.last_error)"
    " ELSE d.last_error END"
    " FROM (SELECT id, status FROM deliveries"
    "  WHERE id = ANY ($6::text[]) AND connector_id = $7"
    "  AND ((status IN ('pending', 'failed') AND next_attempt_at <= $4)"
    "   OR (status = 'in-flight' AND lease_expires_at <= $4))"
    "  FOR UPDATE SKIP LOCKED) p"
    " WHERE d.id = p.id RETURNING ";

// The column of kClaimPicks' RETURNING after the delivery's: the status the row had.
constexpr int kClaimedStatus = 17;

constexpr std::string_view kInterruptedByExpiry =
    "the previous attempt did not finish before its lease expired";

// Several claims may stamp turns at once: the most recent turn wins. The rows are written in
// (scope, scope_id) order, so two claims lock them in the same order and cannot deadlock.
constexpr std::string_view kSetTurns =
    "INSERT INTO delivery_turns (connector_id, scope, scope_id, turn)"
    " SELECT $1::text, t.scope, t.scope_id, t.turn"
    " FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t (scope, scope_id, turn)"
    " ORDER BY t.scope, t.scope_id"
    " ON CONFLICT (connector_id, scope, scope_id)"
    " DO UPDATE SET turn = GREATEST(delivery_turns.turn, excluded.turn)";

// A record's line entry is taken out once it has nothing left to deliver on the connector (so
// the table does not grow with every record ever delivered); checked every kLinePruneEvery
// picks. First the entries are locked (those another transaction holds are left for a later
// prune: the delivery trigger holds a key-share lock on the entry it keeps), then checked again
// in a statement of its own, whose snapshot sees what a transaction holding one committed.
constexpr std::int64_t kLinePruneEvery = 256;

constexpr std::string_view kLockFinishedLines =
    "SELECT seq FROM delivery_lines l WHERE connector_id = $1 AND NOT EXISTS"
    " (SELECT 1 FROM deliveries d WHERE d.record_id = l.record_id"
    "  AND d.connector_id = l.connector_id AND d.status IN ('pending', 'failed', 'in-flight'))"
    " FOR UPDATE SKIP LOCKED";

constexpr std::string_view kDeleteFinishedLines =
    "DELETE FROM delivery_lines l WHERE seq = ANY ($1::bigint[]) AND NOT EXISTS"
    " (SELECT 1 FROM deliveries d WHERE d.record_id = l.record_id"
    "  AND d.connector_id = l.connector_id AND d.status IN ('pending', 'failed', 'in-flight'))";

// The picked records' new turns, their entries locked in record order first (two claims then
// lock them in the same order and cannot deadlock), after the client turns (kSetTurns).
constexpr std::string_view kLockLineTurns =
    "SELECT 1 FROM delivery_lines WHERE connector_id = $1 AND record_id = ANY ($2::text[])"
    " ORDER BY record_id FOR NO KEY UPDATE";

constexpr std::string_view kSetLineTurns =
    "UPDATE delivery_lines l SET turn = GREATEST(l.turn, t.turn)"
    " FROM unnest($2::text[], $3::bigint[]) AS t (record_id, turn)"
    " WHERE l.connector_id = $1 AND l.record_id = t.record_id";

// The finished attempts of a batch in one statement: each delivery moves on only while the lease
// is still this claim's, and its attempt row is written only when it did (a delivery missing from
// the answer: its lease was lost, nothing written for it). The attempt rows are inserted in the
// batch's order. The ids are distinct (finishAttempts answers a repeated one itself).
constexpr std::string_view kFinishMany =
    "WITH t AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[],"
    "  $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::integer[],"
    "  $11::text[]) WITH ORDINALITY AS u (id, lease_id, status, due, reason, last_error, at,"
    "  outcome, error_class, http_status, message, n)),"
    " f AS (UPDATE deliveries d SET status = t.status, attempts = d.attempts + 1,"
    "  next_attempt_at = t.due, reason = t.reason, last_error = t.last_error,"
    "  lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = $12"
    "  FROM t WHERE d.id = t.id AND d.status = 'in-flight' AND d.lease_id = t.lease_id"
    "  RETURNING d.id, t.at, t.outcome, t.error_class, t.http_status, t.message, t.n)"
    " INSERT INTO delivery_attempts (delivery_id, at, outcome, error_class, http_status, message)"
    " SELECT id, at, outcome, error_class, http_status, message FROM f ORDER BY n"
    " RETURNING delivery_id, id";

// The sealed messages of a batch's attempts, each sealed under its attempt's id (known once the
// attempt row is inserted).
constexpr std::string_view kSealAttemptMessages =
    "UPDATE delivery_attempts a SET message = m.message"
    " FROM unnest($1::bigint[], $2::text[]) AS m (id, message) WHERE a.id = m.id";

/// Appends a value to an array literal, quoted (any text, quotes and backslashes escaped).
void appendArrayText(std::string& out, std::string_view value) {
  out += '"';
  for (const char ch : value) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

/// A PostgreSQL array literal ({a,b}) of values, each written by append(out, value).
template <typename T, typename Append>
std::string arrayLiteral(const std::vector<T>& values, Append append) {
  std::string out = "{";
  for (const T& value : values) {
    if (out.size() > 1) out += ',';
    append(out, value);
  }
  out += '}';
  return out;
}

/// Texts ({"a","b"}), for `= ANY ($n::text[])` and unnest.
std::string textArray(const std::vector<std::string>& values) {
  return arrayLiteral(values,
                      [](std::string& out, const std::string& v) { appendArrayText(out, v); });
}

std::string integerArray(const std::vector<std::int64_t>& values) {
  return arrayLiteral(values, [](std::string& out, std::int64_t v) { out += std::to_string(v); });
}

/// Texts where a missing value is NULL ({"a",NULL}).
std::string optionalTextArray(const std::vector<std::optional<std::string>>& values) {
  return arrayLiteral(values, [](std::string& out, const std::optional<std::string>& v) {
    if (v) {
      appendArrayText(out, *v);
    } else {
      out += "NULL";
    }
  });
}

/// Integers where a missing value is NULL ({1,NULL}).
std::string optionalIntegerArray(const std::vector<std::optional<std::int64_t>>& values) {
  return arrayLiteral(values, [](std::string& out, const std::optional<std::int64_t>& v) {
    out += v ? std::to_string(*v) : "NULL";
  });
}

std::optional<std::string> textOrNull(const std::optional<std::string>& value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> optionalMillis(const std::optional<common::TimePoint>& t) {
  if (!t) return std::nullopt;
  return detail::pg::toMillis(*t);
}

Status selectDelivery(const detail::Sealer& sealer, Connection& c, std::string_view id,
                      Delivery& out) {
  FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("get delivery",
                                            "SELECT " + std::string(detail::pg::kDeliveryColumns) +
                                                " FROM deliveries WHERE id = $1",
                                            Params().text(id)));
  if (rows.count() == 0) return common::notFound("delivery not found");
  FHIRGW_RETURN_IF_ERROR(detail::pg::toDelivery(rows, 0, out));
  return sealer.openDelivery(out);
}

/// A fixed message for the set-based statements: itself, or NULL when encryption is on (each row
/// then gets it sealed under its own id, sealInterrupted).
std::optional<std::string> plainOrNull(const detail::Sealer& sealer, std::string_view message) {
  if (sealer.keyRing() != nullptr) return std::nullopt;
  return std::string(message);
}

// With encryption on, an attempt's message is sealed under the attempt's own id and a delivery's
// last error under the delivery's: the set-based statements write them NULL (the last error keeps
// its previous value), then each is sealed here. `attempts` holds (attempt id, delivery id).
Status sealInterrupted(const detail::Sealer& sealer, Connection& c, std::string_view operation,
                       const Rows& attempts, std::string_view message) {
  for (int i = 0; i < attempts.count(); ++i) {
    const std::string attemptId = attempts.text(i, 0);
    const std::string deliveryId = attempts.text(i, 1);
    FHIRGW_RETURN_IF_ERROR(
        c.exec(operation, "UPDATE delivery_attempts SET message = $1 WHERE id = $2",
               Params()
                   .text(sealer.seal(
                       message, detail::sealContext("delivery_attempts", "message", attemptId)))
                   .integer(attempts.integer(i, 0)))
            .status());
    FHIRGW_RETURN_IF_ERROR(
        c.exec(operation, "UPDATE deliveries SET last_error = $1 WHERE id = $2",
               Params()
                   .text(sealer.seal(message,
                                     detail::sealContext("deliveries", "last_error", deliveryId)))
                   .text(deliveryId))
            .status());
  }
  return Status::ok();
}

}  // namespace

// ---- claims and attempts -------------------------------------------------------------------

Result<std::vector<Delivery>> PostgresStore::claimDeliveries(const ClaimRequest& request) {
  if (request.connectorId.empty() || request.owner.empty() ||
      detail::pg::hasNul(request.connectorId) || detail::pg::hasNul(request.owner)) {
    return common::invalidArgument("claim: empty connector id or owner");
  }
  if (request.lease.count() <= 0 || request.limit == 0) {
    return common::invalidArgument("claim: lease and limit must be positive");
  }
  std::vector<Delivery> claimed;
  const Status status = impl_->write("claim deliveries", [&](Connection& c) {
    claimed.clear();
    const std::int64_t now = impl_->nowMs();
    const std::string leaseId = common::newUuid();
    const std::int64_t expires = now + request.lease.count();
    detail::FairPicker picker;
    const std::string& connector = request.connectorId;
    const auto limit = static_cast<std::int64_t>(request.limit);
    {
      FHIRGW_ASSIGN_OR_RETURN(Rows turns, c.exec("claim deliveries",
                                                 "SELECT scope_id, turn FROM delivery_turns"
                                                 " WHERE connector_id = $1 AND scope = 'client'",
                                                 Params().text(connector)));
      for (int i = 0; i < turns.count(); ++i) {
        picker.addClientTurn(turns.text(i, 0), turns.integer(i, 1));
      }
    }
    const std::int64_t firstTurn = picker.maxTurn();
    // The front of a line (`column` = value: a client's, or one record's entry): windows of
    // entries from the front until `limit` records with something due (entries with nothing due
    // are passed over) or the end of the line.
    const std::int64_t window = 2 * limit;
    const auto addLineFront = [&](std::string_view column, const std::string& value) -> Status {
      const std::string sql =
          std::string(kLineWindow) + std::string(column) + std::string(kLineWindowRest);
      std::int64_t taken = 0;
      std::int64_t afterTurn = -1;
      std::int64_t afterSeq = -1;
      for (;;) {
        FHIRGW_ASSIGN_OR_RETURN(Rows front, c.exec("claim deliveries", sql,
                                                   Params()
                                                       .text(connector)
                                                       .integer(now)
                                                       .integer(limit)
                                                       .text(value)
                                                       .integer(afterTurn)
                                                       .integer(afterSeq)
                                                       .integer(window)));
        std::int64_t entries = 0;
        for (int i = 0; i < front.count(); ++i) {
          std::string recordId = front.text(i, 1);
          const std::int64_t turn = front.integer(i, 2);
          const std::int64_t seq = front.integer(i, 3);
          if (turn != afterTurn || seq != afterSeq) {  // the next entry (rows are by entry)
            if (taken >= limit) return Status::ok();
            ++entries;
            afterTurn = turn;
            afterSeq = seq;
            if (!front.isNull(i, 4)) ++taken;
          }
          if (!picker.hasRecord(recordId)) {
            picker.addRecord(recordId, front.text(i, 0), turn, seq);
          }
          if (!front.isNull(i, 4)) {
            picker.addDue(front.text(i, 4), false, recordId, front.integer(i, 5),
                          front.integer(i, 6));
          }
        }
        if (taken >= limit || entries < window) return Status::ok();
      }
    };
    {
      FHIRGW_ASSIGN_OR_RETURN(Rows clients,
                              c.exec("claim deliveries", kLineClients, Params().text(connector)));
      for (int i = 0; i < clients.count(); ++i) {
        FHIRGW_RETURN_IF_ERROR(addLineFront("client_id", clients.text(i, 0)));
      }
    }
    {
      FHIRGW_ASSIGN_OR_RETURN(Rows expired, c.exec("claim deliveries", kExpiredLeases,
                                                   Params().text(connector).integer(now)));
      for (int i = 0; i < expired.count(); ++i) {
        const std::string recordId = expired.text(i, 1);
        if (!picker.hasRecord(recordId)) {
          // A delivery in flight has its line entry; without one (a repair), it joins the line.
          if (expired.isNull(i, 6)) {
            FHIRGW_RETURN_IF_ERROR(
                c.exec("claim deliveries", kJoinLine, Params().text(connector).text(recordId))
                    .status());
            FHIRGW_ASSIGN_OR_RETURN(Rows entry,
                                    c.exec("claim deliveries",
                                           "SELECT client_id, turn, seq FROM delivery_lines"
                                           " WHERE connector_id = $1 AND record_id = $2",
                                           Params().text(connector).text(recordId)));
            if (entry.count() == 0)
              return common::internal("claim: a delivery's record is missing");
            picker.addRecord(recordId, entry.text(0, 0), entry.integer(0, 1), entry.integer(0, 2));
          } else {
            picker.addRecord(recordId, expired.text(i, 4), expired.integer(i, 5),
                             expired.integer(i, 6));
          }
          FHIRGW_RETURN_IF_ERROR(addLineFront("record_id", recordId));
        }
        picker.addDue(expired.text(i, 0), true, recordId, expired.integer(i, 2),
                      expired.integer(i, 3));
      }
    }
    picker.prepare();
    // Picks in fair order, locked in rounds: a pick another instance holds (or took since the
    // read) is passed over and the next one in the order fills its place. Its client and record
    // still move to the back of the line: the other instance served them.
    while (claimed.size() < request.limit) {
      std::vector<std::string> picks;
      while (picks.size() < request.limit - claimed.size()) {
        std::optional<detail::FairPicker::Pick> pick = picker.next();
        if (!pick) break;
        picks.push_back(std::move(pick->id));
      }
      if (picks.empty()) break;
      FHIRGW_ASSIGN_OR_RETURN(
          Rows rows,
          c.exec("claim deliveries",
                 std::string(kClaimPicks) +
                     detail::pg::prefixed(detail::pg::kDeliveryColumns, "d.") + ", p.status",
                 Params()
                     .text(request.owner)
                     .text(leaseId)
                     .integer(expires)
                     .integer(now)
                     .optionalText(plainOrNull(impl_->sealer(), kInterruptedByExpiry))
                     .text(textArray(picks))
                     .text(request.connectorId)));
      std::unordered_map<std::string, int> rowOf;
      std::vector<std::string> interrupted;
      for (int i = 0; i < rows.count(); ++i) {
        rowOf.emplace(rows.text(i, 0), i);
        if (rows.text(i, kClaimedStatus) == "in-flight") interrupted.push_back(rows.text(i, 0));
      }
      for (const std::string& id : picks) {
        const auto row = rowOf.find(id);
        if (row == rowOf.end()) continue;  // taken by another claim
        Delivery d;
        FHIRGW_RETURN_IF_ERROR(detail::pg::toDelivery(rows, row->second, d));
        FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(d));
        claimed.push_back(std::move(d));
      }
      // An attempt that never reported back still counts: a payload that kills the process
      // every time must reach the attempt limit rather than loop for ever.
      if (!interrupted.empty()) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows attempts,
            c.exec("claim deliveries",
                   "INSERT INTO delivery_attempts (delivery_id, at, outcome, error_class, message)"
                   " SELECT i.id, $2::bigint, 'interrupted', 'transient', $3::text"
                   " FROM unnest($1::text[]) WITH ORDINALITY AS i (id, n) ORDER BY i.n"
                   " RETURNING id, delivery_id",
                   Params()
                       .text(textArray(interrupted))
                       .integer(now)
                       .optionalText(plainOrNull(impl_->sealer(), kInterruptedByExpiry))));
        if (impl_->sealer().keyRing() != nullptr) {
          FHIRGW_RETURN_IF_ERROR(sealInterrupted(impl_->sealer(), c, "claim deliveries", attempts,
                                                 kInterruptedByExpiry));
        }
      }
    }
    if (claimed.empty()) return Status::ok();
    std::vector<std::string> scopes;
    std::vector<std::string> scopeIds;
    std::vector<std::int64_t> turns;
    picker.forEachChangedClientTurn([&](const std::string& id, std::int64_t turn) {
      scopes.emplace_back("client");
      scopeIds.push_back(id);
      turns.push_back(turn);
    });
    FHIRGW_RETURN_IF_ERROR(c.exec("claim deliveries", kSetTurns,
                                  Params()
                                      .text(connector)
                                      .text(textArray(scopes))
                                      .text(textArray(scopeIds))
                                      .text(integerArray(turns)))
                               .status());
    std::vector<std::string> records;
    std::vector<std::int64_t> recordTurns;
    picker.forEachChangedRecordTurn([&](const std::string& id, std::int64_t turn) {
      records.push_back(id);
      recordTurns.push_back(turn);
    });
    const std::string recordArray = textArray(records);
    FHIRGW_RETURN_IF_ERROR(
        c.exec("claim deliveries", kLockLineTurns, Params().text(connector).text(recordArray))
            .status());
    FHIRGW_RETURN_IF_ERROR(
        c.exec("claim deliveries", kSetLineTurns,
               Params().text(connector).text(recordArray).text(integerArray(recordTurns)))
            .status());
    if (picker.maxTurn() / kLinePruneEvery != firstTurn / kLinePruneEvery) {
      FHIRGW_ASSIGN_OR_RETURN(
          Rows finished, c.exec("claim deliveries", kLockFinishedLines, Params().text(connector)));
      if (finished.count() > 0) {
        std::vector<std::int64_t> seqs;
        seqs.reserve(static_cast<std::size_t>(finished.count()));
        for (int i = 0; i < finished.count(); ++i) seqs.push_back(finished.integer(i, 0));
        FHIRGW_RETURN_IF_ERROR(
            c.exec("claim deliveries", kDeleteFinishedLines, Params().text(integerArray(seqs)))
                .status());
      }
    }
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return claimed;
}

Status PostgresStore::finishAttempt(const FinishedAttempt& f) {
  FHIRGW_ASSIGN_OR_RETURN(std::vector<Status> statuses,
                          finishAttempts(std::span<const FinishedAttempt>(&f, 1)));
  return statuses.front();
}

Result<std::vector<Status>> PostgresStore::finishAttempts(
    std::span<const FinishedAttempt> finished) {
  std::vector<Status> statuses;
  statuses.reserve(finished.size());
  bool anyValid = false;
  for (const FinishedAttempt& f : finished) {
    Status checked = detail::checkFinishedAttempt(f);
    if (checked.isOk() && (detail::pg::hasNul(f.deliveryId) || detail::pg::hasNul(f.leaseId))) {
      checked = common::invalidArgument("finish attempt: id with a NUL character");
    }
    statuses.push_back(std::move(checked));
    anyValid = anyValid || statuses.back().isOk();
  }
  if (!anyValid) return statuses;
  // One statement for the batch (a round trip per delivery cost 0.7-0.9 ms). A delivery named
  // twice is finished once: the repeat finds its lease gone, as it would one statement later.
  std::vector<std::size_t> sent;  // index in `finished` of each row of the statement
  {
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; i < finished.size(); ++i) {
      if (!statuses[i].isOk()) continue;  // refused above
      if (!seen.insert(finished[i].deliveryId).second) {
        statuses[i] = common::failedPrecondition("finish attempt: the lease was lost");
        continue;
      }
      sent.push_back(i);
    }
  }
  const detail::Sealer& sealer = impl_->sealer();
  const bool sealing = sealer.keyRing() != nullptr;
  std::vector<std::string> ids;
  std::vector<std::string> leases;
  std::vector<std::string> nextStates;
  std::vector<std::optional<std::int64_t>> dues;
  std::vector<std::optional<std::string>> reasons;
  std::vector<std::optional<std::string>> lastErrors;
  std::vector<std::optional<std::int64_t>> startedAt;
  std::vector<std::optional<std::string>> outcomes;
  std::vector<std::optional<std::string>> errorClasses;
  std::vector<std::optional<std::int64_t>> httpStatuses;
  std::vector<std::optional<std::string>> messages;
  for (const std::size_t i : sent) {
    const FinishedAttempt& f = finished[i];
    const std::optional<std::string> message = textOrNull(f.message);
    ids.push_back(f.deliveryId);
    leases.push_back(f.leaseId);
    nextStates.emplace_back(deliveryStatusName(f.next));
    dues.push_back(f.next == DeliveryStatus::kFailed ? optionalMillis(f.nextAttemptAt)
                                                     : std::nullopt);
    reasons.push_back(f.next == DeliveryStatus::kDead ? f.reason : std::nullopt);
    lastErrors.push_back(
        f.next != DeliveryStatus::kDelivered
            ? sealer.sealOptional(message,
                                  detail::sealContext("deliveries", "last_error", f.deliveryId))
            : std::nullopt);
    startedAt.emplace_back(detail::pg::toMillis(f.startedAt));
    outcomes.emplace_back(attemptOutcomeName(f.outcome));
    errorClasses.push_back(f.errorClass ? std::optional<std::string>(errorClassName(*f.errorClass))
                                        : std::nullopt);
    httpStatuses.push_back(f.httpStatus ? std::optional<std::int64_t>(*f.httpStatus)
                                        : std::nullopt);
    // The attempt's message is sealed under the attempt's id, known once it is inserted.
    messages.push_back(sealing ? std::nullopt : message);
  }
  std::vector<Status> written(sent.size());
  const Status status = impl_->write("finish attempts", [&](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("finish attempts", kFinishMany,
                                              Params()
                                                  .text(textArray(ids))
                                                  .text(textArray(leases))
                                                  .text(textArray(nextStates))
                                                  .text(optionalIntegerArray(dues))
                                                  .text(optionalTextArray(reasons))
                                                  .text(optionalTextArray(lastErrors))
                                                  .text(optionalIntegerArray(startedAt))
                                                  .text(optionalTextArray(outcomes))
                                                  .text(optionalTextArray(errorClasses))
                                                  .text(optionalIntegerArray(httpStatuses))
                                                  .text(optionalTextArray(messages))
                                                  .integer(impl_->nowMs())));
    std::unordered_map<std::string, std::int64_t> attemptIds;  // delivery id -> attempt id
    for (int row = 0; row < rows.count(); ++row) {
      attemptIds.emplace(rows.text(row, 0), rows.integer(row, 1));
    }
    std::vector<std::optional<std::int64_t>> sealedIds;
    std::vector<std::optional<std::string>> sealedMessages;
    for (std::size_t k = 0; k < sent.size(); ++k) {
      const auto attempt = attemptIds.find(ids[k]);
      if (attempt == attemptIds.end()) {
        written[k] = common::failedPrecondition("finish attempt: the lease was lost");
        continue;
      }
      written[k] = Status::ok();
      const std::optional<std::string> message = textOrNull(finished[sent[k]].message);
      if (sealing && message) {
        sealedIds.emplace_back(attempt->second);
        sealedMessages.emplace_back(sealer.seal(
            *message,
            detail::sealContext("delivery_attempts", "message", std::to_string(attempt->second))));
      }
    }
    if (!sealedIds.empty()) {
      FHIRGW_RETURN_IF_ERROR(c.exec("finish attempts", kSealAttemptMessages,
                                    Params()
                                        .text(optionalIntegerArray(sealedIds))
                                        .text(optionalTextArray(sealedMessages)))
                                 .status());
    }
    return Status::ok();
  });
  if (!status.isOk()) return status;
  for (std::size_t k = 0; k < sent.size(); ++k) statuses[sent[k]] = std::move(written[k]);
  return statuses;
}

Status PostgresStore::releaseDelivery(std::string_view deliveryId, std::string_view leaseId,
                                      common::TimePoint dueAt) {
  return impl_->write("release delivery", [&](Connection& c) {
    // Never attempted: back to pending, and the 72-hour window has not started.
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("release delivery",
               "UPDATE deliveries SET"
               " status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END,"
               " first_attempt_at = CASE WHEN attempts = 0 THEN NULL ELSE first_attempt_at END,"
               " next_attempt_at = $1, lease_owner = NULL, lease_id = NULL,"
               " lease_expires_at = NULL, updated_at = $2"
               " WHERE id = $3 AND status = 'in-flight' AND lease_id = $4",
               Params()
                   .integer(detail::pg::toMillis(dueAt))
                   .integer(impl_->nowMs())
                   .text(deliveryId)
                   .text(leaseId)));
    if (rows.affected() == 0) return common::failedPrecondition("release: the lease was lost");
    return Status::ok();
  });
}

Status PostgresStore::abandonDelivery(std::string_view deliveryId, std::string_view leaseId,
                                      std::string_view reason) {
  if (reason.empty() || detail::pg::hasNul(reason)) {
    return common::invalidArgument("abandon: bad reason");
  }
  return impl_->write("abandon delivery", [&](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("abandon delivery",
               "UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, reason = $1,"
               " lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = $2"
               " WHERE id = $3 AND status = 'in-flight' AND lease_id = $4",
               Params().text(reason).integer(impl_->nowMs()).text(deliveryId).text(leaseId)));
    if (rows.affected() == 0) return common::failedPrecondition("abandon: the lease was lost");
    return Status::ok();
  });
}

Result<std::int64_t> PostgresStore::recoverInFlightDeliveries(std::string_view owner) {
  if (owner.empty() || detail::pg::hasNul(owner)) {
    return common::invalidArgument("recover: empty owner");
  }
  std::int64_t recovered = 0;
  const Status status = impl_->write("recover deliveries", [&](Connection& c) {
    // One statement: the rows are locked (those another instance is claiming or finishing right
    // now are left to it), each gets its interrupted attempt and becomes failed, due now. It
    // answers (attempt id, delivery id) per recovered delivery.
    constexpr std::string_view kMessage = "the attempt was interrupted (restart or expired lease)";
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("recover deliveries",
               "WITH r AS (SELECT id FROM deliveries WHERE status = 'in-flight'"
               "  AND (lease_owner = $1 OR lease_expires_at <= $2) ORDER BY id"
               "  FOR UPDATE SKIP LOCKED),"
               " a AS (INSERT INTO delivery_attempts (delivery_id, at, outcome, error_class,"
               "  message) SELECT r.id, $2::bigint, 'interrupted', 'transient', $3::text FROM r"
               "  ORDER BY r.id RETURNING id, delivery_id),"
               " u AS (UPDATE deliveries d SET status = 'failed', attempts = d.attempts + 1,"
               "  last_error = COALESCE($3, d.last_error), next_attempt_at = $2,"
               "  lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = $2"
               "  FROM r WHERE d.id = r.id)"
               " SELECT id, delivery_id FROM a",
               Params()
                   .text(owner)
                   .integer(impl_->nowMs())
                   .optionalText(plainOrNull(impl_->sealer(), kMessage))));
    if (impl_->sealer().keyRing() != nullptr) {
      FHIRGW_RETURN_IF_ERROR(
          sealInterrupted(impl_->sealer(), c, "recover deliveries", rows, kMessage));
    }
    recovered = rows.count();
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return recovered;
}

Result<std::optional<common::TimePoint>> PostgresStore::nextDeliveryDue(
    std::string_view connectorId) const {
  return impl_->readValue<std::optional<common::TimePoint>>(
      "next delivery due", [&](Connection& c, std::optional<common::TimePoint>& out) {
        // One statement, one snapshot; LEAST ignores a NULL.
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("next delivery due",
                              "SELECT LEAST((SELECT MIN(next_attempt_at) FROM deliveries"
                              "  WHERE connector_id = $1 AND status IN ('pending', 'failed')),"
                              " (SELECT MIN(lease_expires_at) FROM deliveries"
                              "  WHERE connector_id = $1 AND status = 'in-flight'))",
                              Params().text(connectorId)));
        out = detail::pg::fromOptionalMillis(rows.optionalInteger(0, 0));
        return Status::ok();
      });
}

// ---- reads for the admin API -----------------------------------------------------------------

Result<Delivery> PostgresStore::getDelivery(std::string_view deliveryId) const {
  return impl_->readValue<Delivery>("get delivery", [&](Connection& c, Delivery& out) {
    return selectDelivery(impl_->sealer(), c, deliveryId, out);
  });
}

Result<std::vector<DeliveryAttempt>> PostgresStore::listDeliveryAttempts(
    std::string_view deliveryId) const {
  return impl_->readValue<std::vector<DeliveryAttempt>>(
      "list delivery attempts", [&](Connection& c, std::vector<DeliveryAttempt>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows,
            c.exec("list delivery attempts",
                   "SELECT id, delivery_id, at, outcome, error_class, http_status, message"
                   " FROM delivery_attempts WHERE delivery_id = $1 ORDER BY at, id",
                   Params().text(deliveryId)));
        out.reserve(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          DeliveryAttempt a;
          a.id = rows.integer(i, 0);
          a.deliveryId = rows.text(i, 1);
          a.at = detail::pg::fromMillis(rows.integer(i, 2));
          const auto outcome = parseAttemptOutcome(rows.text(i, 3));
          if (!outcome) return common::internal("store: unknown attempt outcome");
          a.outcome = *outcome;
          if (auto errorClass = rows.optionalText(i, 4)) {
            a.errorClass = parseErrorClass(*errorClass);
            if (!a.errorClass) return common::internal("store: unknown attempt error class");
          }
          if (auto http = rows.optionalInteger(i, 5)) a.httpStatus = static_cast<int>(*http);
          a.message = rows.optionalText(i, 6);
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().open(
              a.message,
              detail::sealContext("delivery_attempts", "message", std::to_string(a.id))));
          out.push_back(std::move(a));
        }
        return Status::ok();
      });
}

Result<std::vector<Delivery>> PostgresStore::queryDeliveries(const DeliveryQuery& query) const {
  if (query.connectorId && detail::pg::hasNul(*query.connectorId)) {
    return common::invalidArgument("query deliveries: bad connector id");
  }
  if (query.recordId && detail::pg::hasNul(*query.recordId)) {
    return common::invalidArgument("query deliveries: bad record id");
  }
  if (query.after && detail::pg::hasNul(query.after->id)) {
    return common::invalidArgument("query deliveries: bad cursor");
  }
  return impl_->readValue<std::vector<Delivery>>(
      "query deliveries", [&](Connection& c, std::vector<Delivery>& out) {
        Params params;
        const auto next = [&params] { return "$" + std::to_string(params.size() + 1); };
        std::string sql =
            "SELECT " + std::string(detail::pg::kDeliveryColumns) + " FROM deliveries WHERE TRUE";
        if (query.status) {
          sql += " AND status = " + next();
          params.text(deliveryStatusName(*query.status));
        }
        if (query.connectorId) {
          sql += " AND connector_id = " + next();
          params.text(*query.connectorId);
        }
        if (query.recordId) {
          sql += " AND record_id = " + next();
          params.text(*query.recordId);
        }
        if (query.since) {
          sql += " AND updated_at >= " + next();
          params.integer(detail::pg::toMillis(*query.since));
        }
        if (query.after) {
          // Keyset paging on the (updated_at, id) index read backwards (newest first), stable
          // while rows keep changing.
          sql += " AND (updated_at, id) < (" + next();
          params.integer(detail::pg::toMillis(query.after->updatedAt));
          sql += ", " + next() + ")";
          params.text(query.after->id);
        }
        sql += " ORDER BY updated_at DESC, id DESC LIMIT " +
               std::to_string(std::min(query.limit, kMaxDeliveryPage));
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("query deliveries", sql, params));
        out.resize(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          Delivery& d = out[static_cast<std::size_t>(i)];
          FHIRGW_RETURN_IF_ERROR(detail::pg::toDelivery(rows, i, d));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(d));
        }
        return Status::ok();
      });
}

Result<std::vector<QueueDepth>> PostgresStore::deliveryQueueDepths() const {
  return impl_->readValue<std::vector<QueueDepth>>(
      "delivery queue depths", [&](Connection& c, std::vector<QueueDepth>& out) {
        // NULLS FIRST: the order SQLite gives (deliveries skipped before routing first).
        FHIRGW_ASSIGN_OR_RETURN(Rows rows,
                                c.exec("delivery queue depths",
                                       "SELECT connector_id, status, COUNT(*) FROM deliveries"
                                       " GROUP BY connector_id, status"
                                       " ORDER BY connector_id NULLS FIRST, status"));
        out.reserve(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) {
          const auto status = parseDeliveryStatus(rows.text(i, 1));
          if (!status) return common::internal("store: unknown delivery status");
          out.push_back({rows.optionalText(i, 0), *status, rows.integer(i, 2)});
        }
        return Status::ok();
      });
}

Result<std::optional<common::TimePoint>> PostgresStore::oldestQueuedDeliveryAt(
    std::string_view connectorId) const {
  return impl_->readValue<std::optional<common::TimePoint>>(
      "oldest queued delivery", [&](Connection& c, std::optional<common::TimePoint>& out) {
        // The queue index gives the connector's queued rows; their smallest created_at is the
        // head's age (SQLite finds the smallest rowid instead: PostgreSQL has no insertion order).
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("oldest queued delivery",
                              "SELECT MIN(created_at) FROM deliveries WHERE connector_id = $1"
                              " AND status IN ('pending', 'in-flight', 'failed')",
                              Params().text(connectorId)));
        out = detail::pg::fromOptionalMillis(rows.optionalInteger(0, 0));
        return Status::ok();
      });
}

// ---- admin retries ---------------------------------------------------------------------------

namespace {

// A retried delivery gets a fresh budget: due now, attempts and the 72-hour window start over.
// The attempt history stays in delivery_attempts.
// Binds now as $1.
constexpr std::string_view kRetryDead =
    "UPDATE deliveries SET status = 'pending', attempts = 0, first_attempt_at = NULL,"
    " next_attempt_at = $1, reason = NULL, updated_at = $1 WHERE status = 'dead'";

// A dead delivery of a record whose content retention purged has nothing left to deliver. The
// record row is read FOR SHARE, which settles the race with a purge on another instance: a purge
// holding it (FOR UPDATE) is waited for, and its purged_at then seen; a purge starting while this
// transaction holds it skips the record (SKIP LOCKED), and one starting after it commits sees the
// delivery queued again when it re-reads the batch's deliveries (retention.cpp).
constexpr std::string_view kRecordNotPurged =
    " AND EXISTS (SELECT 1 FROM records r WHERE r.id = deliveries.record_id"
    " AND r.purged_at IS NULL FOR SHARE OF r)";

/// The conditions of a bulk retry's filter, appended to sql with their values as the next
/// parameters: the retry and its dry run select the same rows.
void appendDeadFilter(const DeadDeliveryFilter& filter, std::string& sql, Params& params) {
  const auto next = [&params] { return "$" + std::to_string(params.size() + 1); };
  if (filter.connectorId) {
    sql += " AND connector_id = " + next();
    params.text(*filter.connectorId);
  }
  if (filter.recordId) {
    sql += " AND record_id = " + next();
    params.text(*filter.recordId);
  }
  if (filter.since) {
    sql += " AND updated_at >= " + next();
    params.integer(detail::pg::toMillis(*filter.since));
  }
}

bool badDeadFilter(const DeadDeliveryFilter& filter) {
  return (filter.connectorId && detail::pg::hasNul(*filter.connectorId)) ||
         (filter.recordId && detail::pg::hasNul(*filter.recordId));
}

}  // namespace

Status PostgresStore::retryDeadDelivery(std::string_view deliveryId) {
  if (detail::pg::hasNul(deliveryId)) return common::notFound("delivery not found");
  return impl_->write("retry delivery", [&](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("retry delivery",
                          std::string(kRetryDead) + std::string(kRecordNotPurged) + " AND id = $2",
                          Params().integer(impl_->nowMs()).text(deliveryId)));
    if (rows.affected() != 0) return Status::ok();
    Delivery d;
    FHIRGW_RETURN_IF_ERROR(selectDelivery(impl_->sealer(), c, deliveryId, d));
    return detail::notRetried(d.status);
  });
}

Result<std::int64_t> PostgresStore::retryDeadDeliveries(const DeadDeliveryFilter& filter) {
  if (badDeadFilter(filter)) return common::invalidArgument("retry deliveries: bad filter");
  std::int64_t count = 0;
  const Status status = impl_->write("retry deliveries", [&](Connection& c) {
    Params params;
    params.integer(impl_->nowMs());
    std::string sql = std::string(kRetryDead) + std::string(kRecordNotPurged);
    appendDeadFilter(filter, sql, params);
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("retry deliveries", sql, params));
    count = rows.affected();
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return count;
}

Result<std::int64_t> PostgresStore::countRetriableDeadDeliveries(
    const DeadDeliveryFilter& filter) const {
  if (badDeadFilter(filter)) return common::invalidArgument("count dead deliveries: bad filter");
  return impl_->readValue<std::int64_t>(
      "count dead deliveries", [&](Connection& c, std::int64_t& out) {
        Params params;
        // The retry's condition on the record without its lock: a count changes nothing, and a
        // purge committing meanwhile is the retry's to settle.
        std::string sql =
            "SELECT COUNT(*) FROM deliveries WHERE status = 'dead' AND EXISTS (SELECT 1 FROM"
            " records r WHERE r.id = deliveries.record_id AND r.purged_at IS NULL)";
        appendDeadFilter(filter, sql, params);
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("count dead deliveries", sql, params));
        out = rows.integer(0, 0);
        return Status::ok();
      });
}

Result<std::int64_t> PostgresStore::rerouteDeliveries(const RerouteRequest& request) {
  const std::string& from = request.fromConnectorId;
  const std::string& to = request.toConnectorId;
  if (from.empty() || to.empty() || detail::pg::hasNul(from) || detail::pg::hasNul(to)) {
    return common::invalidArgument("reroute: bad connector id");
  }
  if (request.destination && detail::pg::hasNul(*request.destination)) {
    return common::invalidArgument("reroute: bad destination");
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<DeliveryStatus> statuses,
                          detail::rerouteStatuses(request));
  std::int64_t count = 0;
  const Status status = impl_->write("reroute deliveries", [&](Connection& c) {
    Params params;
    const auto next = [&params] { return "$" + std::to_string(params.size() + 1); };
    // A fresh budget, as an admin retry gives; in-flight rows are never taken (their worker
    // holds the lease; a row a claim is taking right now is waited for, then seen in-flight).
    std::string sql =
        "UPDATE deliveries SET connector_id = $1, status = 'pending', attempts = 0,"
        " first_attempt_at = NULL, next_attempt_at = $2, reason = NULL,"
        " updated_at = $2 WHERE connector_id = $3 AND status IN (";
    params.text(to).integer(impl_->nowMs()).text(from);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      sql += (i == 0 ? "" : ", ") + next();
      params.text(deliveryStatusName(statuses[i]));
    }
    sql += ")";
    if (request.since) {
      sql += " AND created_at >= " + next();
      params.integer(detail::pg::toMillis(*request.since));
    }
    if (request.destination) {
      sql += " AND destination = " + next();
      params.text(*request.destination);
    }
    // Retention purged the record's content: nothing is left to deliver (only dead ones).
    sql += kRecordNotPurged;
    // The target instance already has this document for this destination: left in place.
    sql +=
        " AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.connector_id = $1"
        " AND o.record_id = deliveries.record_id AND o.destination = deliveries.destination"
        " AND o.document_id IS NOT DISTINCT FROM deliveries.document_id)";
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("reroute deliveries", sql, params));
    count = rows.affected();
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return count;
}

}  // namespace fhirgw::store
