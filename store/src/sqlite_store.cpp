#include "fhirgw/store/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fhirgw/common/log.hpp"
#include "sqlite_schema.hpp"
#include "sqlite_store_impl.hpp"

namespace fhirgw::store {
namespace {

// ---- submission checks ---------------------------------------------------------------------

Status validate(const Submission& sub) {
  const auto bad = [](std::string_view what) {
    return common::invalidArgument("submission: " + std::string(what));
  };
  if (sub.clientId.empty()) return bad("clientId is empty");
  if (sub.recordId.empty()) return bad("recordId is empty");
  if (!sub.record && sub.documents.empty()) return bad("neither a record nor a document");
  if (sub.record) {
    const NewRecord& r = *sub.record;
    if (r.status.empty() || r.requestHash.empty()) return bad("record status or hash is empty");
    if (r.externalId && r.externalId->empty()) return bad("record externalId is empty");
    if (hasNul(r.body) || hasNul(r.outcome)) return bad("record text contains a NUL byte");
  }
  std::set<std::string_view> documentExternalIds;
  for (const NewDocument& d : sub.documents) {
    if (d.id.empty() || d.kind.empty() || d.requestHash.empty()) {
      return bad("document id, kind or hash is empty");
    }
    if (d.externalId) {
      if (d.externalId->empty()) return bad("document externalId is empty");
      if (!documentExternalIds.insert(*d.externalId).second) {
        return bad("two documents share an externalId");
      }
    }
    if (hasNul(d.body) || hasNul(d.outcome)) return bad("document text contains a NUL byte");
  }
  for (const NewFhirResource& r : sub.resources) {
    if (r.resourceType.empty() || r.resourceId.empty() || r.version < 1) {
      return bad("resource type, id or version is invalid");
    }
    if (hasNul(r.json)) return bad("resource JSON contains a NUL byte");
  }
  for (const NewDelivery& d : sub.deliveries) {
    if (d.id.empty() || d.destination.empty()) return bad("delivery id or destination is empty");
    if (d.status != DeliveryStatus::kPending && d.status != DeliveryStatus::kSkipped) {
      return bad("a new delivery is pending or skipped");
    }
    if (d.status == DeliveryStatus::kSkipped && (!d.reason || d.reason->empty())) {
      return bad("a skipped delivery needs a reason");
    }
  }
  for (const NewIdempotencyEntry& e : sub.idempotency) {
    if (e.key.empty() || e.requestHash.empty()) return bad("idempotency key or hash is empty");
    if (e.ttl.count() <= 0) return bad("idempotency ttl is not positive");
    if (e.responseStatus < 100 || e.responseStatus > 599) return bad("idempotency status");
    if (hasNul(e.responseBody)) return bad("idempotency body contains a NUL byte");
  }
  return Status::ok();
}

// ---- connections ---------------------------------------------------------------------------

void registerConnectorOnce() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

}  // namespace

std::unique_ptr<Session> detail::connect(const std::string& path,
                                         std::chrono::milliseconds busyTimeout, Role role) {
  auto session = std::make_unique<Session>(Poco::Data::SQLite::Connector::KEY, path);
  Session& s = *session;
  // Wait for a lock held by another connection or process instead of failing at once.
  s << "PRAGMA busy_timeout = " + std::to_string(busyTimeout.count()), kw::now;
  s << "PRAGMA foreign_keys = ON", kw::now;
  // FULL: a WAL commit is fsynced before COMMIT returns, so an answered 201 survives power loss.
  s << "PRAGMA synchronous = FULL", kw::now;
  if (role == Role::kWriter) {
    std::string mode;
    s << "PRAGMA journal_mode = WAL", kw::into(mode), kw::now;
    if (mode != "wal") {
      throw Poco::Data::ConnectionFailedException("SQLite refused WAL journal mode (got " + mode +
                                                  "); is the data folder on a local disk?");
    }
  } else {
    // Readers never write: a bug that tries to gets an error, not a lock fight with the writer.
    s << "PRAGMA query_only = ON", kw::now;
  }
  return session;
}

int latestSqliteSchemaVersion() { return detail::sqliteMigrations().back().version; }

Status SqliteStore::Impl::migrate() {
  const auto& migrations = detail::sqliteMigrations();
  const int latest = migrations.back().version;
  Poco::Int64 current = 0;
  Status status = write("create schema_migrations", [&](Session& s) {
    s << std::string(detail::kCreateSchemaMigrations), kw::now;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", kw::into(current), kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  if (current > latest) {
    return common::failedPrecondition("store: database schema version " + std::to_string(current) +
                                      " is newer than this gateway knows (" +
                                      std::to_string(latest) +
                                      "); run a newer gateway or restore a matching backup");
  }
  for (const detail::Migration& migration : migrations) {
    if (migration.version <= current) continue;
    bool applied = false;
    status = write("migration " + std::to_string(migration.version), [&](Session& s) {
      // Checked again under the write lock: another process may have just applied it.
      Poco::Int64 done = 0;
      s << "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
          kw::bind(Poco::Int64{migration.version}), kw::into(done), kw::now;
      if (done != 0) return Status::ok();
      for (std::string_view sql : migration.statements) {
        s << std::string(sql), kw::now;
      }
      s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          kw::bind(Poco::Int64{migration.version}), kw::bind(std::string(migration.name)),
          kw::bind(Poco::Int64{nowMs()}), kw::now;
      applied = true;
      return Status::ok();
    });
    if (!status.isOk()) return status;
    if (applied) {
      common::Log::info("store.migration_applied",
                        {{"version", migration.version}, {"name", migration.name}});
    }
  }
  return Status::ok();
}

// ---- SqliteStore ---------------------------------------------------------------------------

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const StoreOptions& options,
                                                       const common::Clock& clock) {
  if (path.empty()) return common::invalidArgument("store: empty database path");
  if (options.readConnections == 0) {
    return common::invalidArgument("store: readConnections must be at least 1");
  }
  if (options.busyTimeout.count() < 0) {
    return common::invalidArgument("store: busyTimeout must not be negative");
  }
  // Create the file ourselves so that it is private from the start (SQLite would use the umask;
  // its -wal and -shm files copy the database file's mode).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return common::failedPrecondition("store: cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  registerConnectorOnce();
  auto impl = std::make_unique<Impl>(path, options, clock);
  FHIRGW_RETURN_IF_ERROR(impl->ensureWriter());
  FHIRGW_RETURN_IF_ERROR(impl->migrate());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Status SqliteStore::integrityCheck() const {
  return impl_->read("integrity check", [](Session& s) {
    std::vector<std::string> problems;
    s << "PRAGMA integrity_check", kw::into(problems), kw::now;
    if (problems.size() == 1 && problems.front() == "ok") return Status::ok();
    return Status(common::StatusCode::kDataLoss,
                  "store: integrity check failed: " +
                      (problems.empty() ? std::string("no answer") : problems.front()));
  });
}

Status SqliteStore::ping() const {
  return impl_->read("ping", [](Session& s) {
    Poco::Int64 one = 0;
    s << "SELECT 1", kw::into(one), kw::now;
    return one == 1 ? Status::ok() : common::internal("ping: unexpected answer");
  });
}

Result<int> SqliteStore::schemaVersion() const {
  return impl_->readValue<int>("schema version", [](Session& s, int& out) {
    Poco::Int64 version = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", kw::into(version), kw::now;
    out = static_cast<int>(version);
    return Status::ok();
  });
}

// ---- clients and keys ----------------------------------------------------------------------

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
    Poco::Int64 exists = 0;
    s << "SELECT COUNT(*) FROM clients WHERE id = ?", kw::bind(std::string(clientId)),
        kw::into(exists), kw::now;
    if (exists == 0) return common::notFound("client not found");
    insertKey(s, std::string(clientId), key, impl_->nowMs());
    return Status::ok();
  });
}

Status SqliteStore::revokeApiKey(std::string_view keyId) {
  return impl_->write("revoke api key", [&](Session& s) {
    Statement update(s);
    update << "UPDATE api_keys SET revoked = 1 WHERE id = ?", kw::bind(std::string(keyId));
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

Result<ActiveApiKey> SqliteStore::findActiveApiKey(std::string_view keyId) const {
  return impl_->readValue<ActiveApiKey>("find api key", [&](Session& s, ActiveApiKey& out) {
    using Row = Poco::Tuple<std::string, std::string, std::string, std::string, std::string,
                            NullableInt, Poco::Int64, Poco::Int64>;
    Row row;
    Statement query(s);
    query << "SELECT k.id, k.secret_hash, c.id, c.name, c.role, c.rate_limit, c.created_at,"
             " c.disabled FROM api_keys k JOIN clients c ON c.id = k.client_id"
             " WHERE k.id = ? AND k.revoked = 0 AND c.disabled = 0",
        kw::bind(std::string(keyId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("api key not found");
    out.keyId = row.get<0>();
    out.secretHash = row.get<1>();
    return toClient(ClientRow(row.get<2>(), row.get<3>(), row.get<4>(), row.get<5>(), row.get<6>(),
                              row.get<7>()),
                    out.client);
  });
}

// ---- audit ---------------------------------------------------------------------------------

Result<std::int64_t> SqliteStore::appendAudit(const NewAuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty()) {
    return common::invalidArgument("audit: actor or action is empty");
  }
  Poco::Int64 id = 0;
  Status status = impl_->write("append audit", [&](Session& s) {
    // RETURNING is understood by SQLite (3.35+) and PostgreSQL alike.
    s << "INSERT INTO audit_entries (at, actor, action, target, outcome, request_id)"
         " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        kw::bind(Poco::Int64{impl_->nowMs()}), kw::bind(entry.actor), kw::bind(entry.action),
        kw::bind(entry.target), kw::bind(entry.outcome), kw::bind(entry.requestId), kw::into(id),
        kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return std::int64_t{id};
}

Result<std::vector<AuditEntry>> SqliteStore::queryAudit(const AuditQuery& query) const {
  return impl_->readValue<std::vector<AuditEntry>>(
      "query audit", [&](Session& s, std::vector<AuditEntry>& out) {
        using Row = Poco::Tuple<Poco::Int64, Poco::Int64, std::string, std::string, std::string,
                                std::string, std::string>;
        std::vector<Row> rows;
        Statement statement(s);
        // Only the filters given become conditions, so each stays an indexable equality.
        std::string sql =
            "SELECT id, at, actor, action, target, outcome, request_id FROM audit_entries"
            " WHERE id > ?";
        statement.addBind(kw::bind(Poco::Int64{query.afterId}));
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
        sql += " ORDER BY id LIMIT " + std::to_string(limit);
        statement << sql;
        statement.addExtract(kw::into(rows));
        statement.execute();
        out.reserve(rows.size());
        for (const Row& row : rows) {
          out.push_back({row.get<0>(), fromMillis(row.get<1>()), row.get<2>(), row.get<3>(),
                         row.get<4>(), row.get<5>(), row.get<6>()});
        }
        return Status::ok();
      });
}

// ---- practitioner activity -----------------------------------------------------------------

Status SqliteStore::upsertPractitionerActivity(std::string_view rpps, int year,
                                               std::int64_t totalActs,
                                               std::optional<int> capPercent) {
  if (rpps.empty() || totalActs < 0) {
    return common::invalidArgument("activity: empty rpps or negative total");
  }
  if (capPercent && (*capPercent < 0 || *capPercent > 100)) {
    return common::invalidArgument("activity: cap percent outside 0-100");
  }
  return impl_->write("upsert activity", [&](Session& s) {
    // ON CONFLICT ... DO UPDATE: the same upsert syntax in SQLite (3.24+) and PostgreSQL. The
    // threshold (migration 4) goes with its declaration in the same statement; -1 stands for
    // "none" so that one statement binds plain integers.
    s << "INSERT INTO practitioner_activity (rpps, year, total_acts, cap_percent, updated_at)"
         " VALUES (?, ?, ?, NULLIF(?, -1), ?) ON CONFLICT (rpps, year) DO UPDATE SET"
         " total_acts = excluded.total_acts, cap_percent = excluded.cap_percent,"
         " updated_at = excluded.updated_at",
        kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::bind(Poco::Int64{totalActs}),
        kw::bind(Poco::Int64{capPercent.value_or(-1)}), kw::bind(Poco::Int64{impl_->nowMs()}),
        kw::now;
    return Status::ok();
  });
}

Result<std::int64_t> SqliteStore::getPractitionerActivity(std::string_view rpps, int year) const {
  return impl_->readValue<std::int64_t>("get activity", [&](Session& s, std::int64_t& out) {
    Poco::Int64 total = 0;
    Statement query(s);
    query << "SELECT total_acts FROM practitioner_activity WHERE rpps = ? AND year = ?",
        kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::into(total);
    if (query.execute() == 0) return common::notFound("no declared activity for that year");
    out = total;
    return Status::ok();
  });
}

Result<std::optional<int>> SqliteStore::getPractitionerCapPercent(std::string_view rpps,
                                                                  int year) const {
  return impl_->readValue<std::optional<int>>(
      "get activity cap", [&](Session& s, std::optional<int>& out) {
        Poco::Int64 percent = -1;
        Statement query(s);
        query << "SELECT COALESCE(cap_percent, -1) FROM practitioner_activity WHERE rpps = ? "
                 "AND year = ?",
            kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::into(percent);
        query.execute();
        out = percent < 0 ? std::optional<int>{} : std::optional<int>{static_cast<int>(percent)};
        return Status::ok();
      });
}

Result<std::int64_t> SqliteStore::countTeleconsultations(std::string_view rpps, int year) const {
  return impl_->readValue<std::int64_t>(
      "count teleconsultations", [&](Session& s, std::int64_t& out) {
        Poco::Int64 count = 0;
        s << "SELECT COUNT(*) FROM records WHERE practitioner_rpps = ? AND encounter_year = ?"
             " AND practitioner_is_treating = 0",
            kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::into(count), kw::now;
        out = count;
        return Status::ok();
      });
}

// ---- submissions ---------------------------------------------------------------------------

Status SqliteStore::commitSubmission(const Submission& sub) {
  FHIRGW_RETURN_IF_ERROR(validate(sub));
  return impl_->write("commit submission", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    // The external id decides before the idempotency key (editor-api.md), hence this order.
    // The unique constraints catch the same clashes when two instances race (PostgreSQL).
    if (sub.record) {
      const NewRecord& r = *sub.record;
      if (r.externalId) {
        Poco::Int64 taken = 0;
        s << "SELECT COUNT(*) FROM records WHERE client_id = ? AND external_id = ?",
            kw::bind(sub.clientId), kw::bind(*r.externalId), kw::into(taken), kw::now;
        if (taken != 0) return common::alreadyExists("record externalId already used");
      }
      s << "INSERT INTO records (id, client_id, external_id, created_at, status, request_hash,"
           " body, outcome, practitioner_rpps, encounter_year, practitioner_is_treating)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          kw::bind(sub.recordId), kw::bind(sub.clientId), kw::bind(toNullable(r.externalId)),
          kw::bind(now), kw::bind(r.status), kw::bind(r.requestHash), kw::useRef(r.body),
          kw::useRef(r.outcome), kw::bind(r.practitionerRpps),
          kw::bind(Poco::Int64{r.encounterYear}), kw::bind(Poco::Int64{r.practitionerIsTreating}),
          kw::now;
    } else {
      Poco::Int64 found = 0;
      s << "SELECT COUNT(*) FROM records WHERE id = ? AND client_id = ?", kw::bind(sub.recordId),
          kw::bind(sub.clientId), kw::into(found), kw::now;
      if (found == 0) return common::notFound("record not found");
    }
    for (const NewDocument& d : sub.documents) {
      if (d.externalId) {
        Poco::Int64 taken = 0;
        s << "SELECT COUNT(*) FROM documents WHERE client_id = ? AND external_id = ?",
            kw::bind(sub.clientId), kw::bind(*d.externalId), kw::into(taken), kw::now;
        if (taken != 0) return common::alreadyExists("document externalId already used");
      }
      s << "INSERT INTO documents (id, record_id, client_id, external_id, kind, created_at,"
           " request_hash, body, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          kw::bind(d.id), kw::bind(sub.recordId), kw::bind(sub.clientId),
          kw::bind(toNullable(d.externalId)), kw::bind(d.kind), kw::bind(now),
          kw::bind(d.requestHash), kw::useRef(d.body), kw::useRef(d.outcome), kw::now;
    }
    for (const NewIdempotencyEntry& e : sub.idempotency) {
      // An expired entry no longer counts: make room for the new one.
      s << "DELETE FROM idempotency_keys WHERE client_id = ? AND idempotency_key = ?"
           " AND expires_at <= ?",
          kw::bind(sub.clientId), kw::bind(e.key), kw::bind(now), kw::now;
      Poco::Int64 taken = 0;
      s << "SELECT COUNT(*) FROM idempotency_keys WHERE client_id = ? AND idempotency_key = ?",
          kw::bind(sub.clientId), kw::bind(e.key), kw::into(taken), kw::now;
      if (taken != 0) return common::alreadyExists("idempotency key already used");
      const Poco::Int64 expires =
          now + std::chrono::duration_cast<std::chrono::milliseconds>(e.ttl).count();
      s << "INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash,"
           " response_status, response_body, created_at, expires_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?)",
          kw::bind(sub.clientId), kw::bind(e.key), kw::bind(e.requestHash),
          kw::bind(Poco::Int64{e.responseStatus}), kw::useRef(e.responseBody), kw::bind(now),
          kw::bind(expires), kw::now;
    }
    for (const NewFhirResource& r : sub.resources) {
      s << "INSERT INTO fhir_resources (record_id, document_id, resource_type, resource_id,"
           " version, json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          kw::bind(sub.recordId), kw::bind(toNullable(r.documentId)), kw::bind(r.resourceType),
          kw::bind(r.resourceId), kw::bind(Poco::Int64{r.version}), kw::useRef(r.json),
          kw::bind(now), kw::now;
    }
    for (const NewDelivery& d : sub.deliveries) {
      // A pending delivery is due at once; a skipped one is never due.
      const NullableInt due =
          d.status == DeliveryStatus::kPending ? NullableInt(now) : NullableInt();
      s << "INSERT INTO deliveries (id, record_id, document_id, destination, connector_id,"
           " status, reason, attempts, next_attempt_at, created_at, updated_at, target)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
          kw::bind(d.id), kw::bind(sub.recordId), kw::bind(toNullable(d.documentId)),
          kw::bind(d.destination), kw::bind(toNullable(d.connectorId)),
          kw::bind(std::string(deliveryStatusName(d.status))), kw::bind(toNullable(d.reason)),
          kw::bind(due), kw::bind(now), kw::bind(now), kw::bind(toNullable(d.target)), kw::now;
    }
    return Status::ok();
  });
}

namespace {

// Inside a snapshot read: does this client own this record?
bool ownsRecord(Session& s, std::string_view clientId, std::string_view recordId) {
  Poco::Int64 found = 0;
  s << "SELECT COUNT(*) FROM records WHERE id = ? AND client_id = ?",
      kw::bind(std::string(recordId)), kw::bind(std::string(clientId)), kw::into(found), kw::now;
  return found != 0;
}

}  // namespace

Result<Record> SqliteStore::getRecord(std::string_view clientId, std::string_view recordId) const {
  return impl_->readValue<Record>("get record", [&](Session& s, Record& out) {
    RecordRow row;
    Statement query(s);
    query << selectFrom(kRecordColumns, "FROM records WHERE client_id = ? AND id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(recordId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("record not found");
    out = toRecord(row);
    return Status::ok();
  });
}

Result<Record> SqliteStore::findRecordByExternalId(std::string_view clientId,
                                                   std::string_view externalId) const {
  return impl_->readValue<Record>("find record", [&](Session& s, Record& out) {
    RecordRow row;
    Statement query(s);
    query << selectFrom(kRecordColumns, "FROM records WHERE client_id = ? AND external_id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(externalId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("record not found");
    out = toRecord(row);
    return Status::ok();
  });
}

Result<std::vector<Document>> SqliteStore::listDocuments(std::string_view clientId,
                                                         std::string_view recordId) const {
  return impl_->readValue<std::vector<Document>>(
      "list documents",
      [&](Session& s, std::vector<Document>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        std::vector<DocumentRow> rows;
        s << selectFrom(kDocumentColumns,
                        "FROM documents WHERE record_id = ? ORDER BY created_at, rowid"),
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const DocumentRow& row : rows) out.push_back(toDocument(row));
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<Document> SqliteStore::findDocumentByExternalId(std::string_view clientId,
                                                       std::string_view externalId) const {
  return impl_->readValue<Document>("find document", [&](Session& s, Document& out) {
    DocumentRow row;
    Statement query(s);
    query << selectFrom(kDocumentColumns, "FROM documents WHERE client_id = ? AND external_id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(externalId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("document not found");
    out = toDocument(row);
    return Status::ok();
  });
}

Result<std::vector<FhirResource>> SqliteStore::listFhirResources(std::string_view clientId,
                                                                 std::string_view recordId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list fhir resources",
      [&](Session& s, std::vector<FhirResource>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        using Row = Poco::Tuple<std::string, NullableText, std::string, std::string, Poco::Int64,
                                std::string>;
        std::vector<Row> rows;
        s << "SELECT record_id, document_id, resource_type, resource_id, version, json"
             " FROM fhir_resources WHERE record_id = ? ORDER BY created_at, rowid",
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const Row& row : rows) {
          out.push_back({row.get<0>(), fromNullable(row.get<1>()), row.get<2>(), row.get<3>(),
                         static_cast<int>(row.get<4>()), row.get<5>()});
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<std::vector<Delivery>> SqliteStore::listDeliveries(std::string_view clientId,
                                                          std::string_view recordId) const {
  return impl_->readValue<std::vector<Delivery>>(
      "list deliveries",
      [&](Session& s, std::vector<Delivery>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        std::vector<DeliveryRow> rows;
        s << selectFrom(kDeliveryColumns,
                        "FROM deliveries WHERE record_id = ? ORDER BY created_at, rowid"),
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          FHIRGW_RETURN_IF_ERROR(toDelivery(rows[i], out[i]));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

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
        return Status::ok();
      });
}

Result<std::int64_t> SqliteStore::purgeExpiredIdempotencyEntries() {
  std::int64_t purged = 0;
  Status status = impl_->write("purge idempotency entries", [&](Session& s) {
    Statement remove(s);
    remove << "DELETE FROM idempotency_keys WHERE expires_at <= ?",
        kw::bind(Poco::Int64{impl_->nowMs()});
    purged = static_cast<std::int64_t>(remove.execute());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return purged;
}

}  // namespace fhirgw::store
