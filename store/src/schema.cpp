#include "schema.hpp"

namespace fhirgw::store::detail {

// Portability choices (docs/storage.md): ids are TEXT (UUIDs made by the gateway), times are
// BIGINT milliseconds since the Unix epoch (UTC), booleans are INTEGER 0/1 with a CHECK, JSON is
// TEXT (neither engine's TEXT holds a NUL: the store refuses one). Only the growing ids
// (AUTOINCREMENT against an identity column) and the append-only trigger are spelled per engine.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "foundation",
       {
           R"sql(CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
  rate_limit BIGINT,
  created_at BIGINT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))))sql",

           R"sql(CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))))sql",
           "CREATE INDEX api_keys_client ON api_keys (client_id)",

           // NULL external ids never clash with each other (SQL standard, PostgreSQL too).
           R"sql(CREATE TABLE records (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  external_id TEXT,
  created_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  outcome TEXT NOT NULL,
  practitioner_rpps TEXT NOT NULL,
  encounter_year INTEGER NOT NULL,
  practitioner_is_treating INTEGER NOT NULL CHECK (practitioner_is_treating IN (0, 1)),
  UNIQUE (client_id, external_id)))sql",
           R"sql(CREATE INDEX records_activity ON records
  (practitioner_rpps, encounter_year, practitioner_is_treating))sql",
           "CREATE INDEX records_created ON records (created_at)",

           R"sql(CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES clients (id),
  external_id TEXT,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  request_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  outcome TEXT NOT NULL,
  UNIQUE (client_id, external_id)))sql",
           "CREATE INDEX documents_record ON documents (record_id)",

           R"sql(CREATE TABLE fhir_resources (
  record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  document_id TEXT REFERENCES documents (id) ON DELETE CASCADE,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  json TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (resource_type, resource_id, version)))sql",
           "CREATE INDEX fhir_resources_record ON fhir_resources (record_id)",

           // connector_id is not a foreign key: connectors may come from the configuration file.
           R"sql(CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  document_id TEXT REFERENCES documents (id) ON DELETE CASCADE,
  destination TEXT NOT NULL,
  connector_id TEXT,
  status TEXT NOT NULL CHECK (status IN
    ('pending', 'in-flight', 'delivered', 'failed', 'dead', 'skipped')),
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  first_attempt_at BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL))sql",
           "CREATE INDEX deliveries_queue ON deliveries (connector_id, status, next_attempt_at)",
           "CREATE INDEX deliveries_record ON deliveries (record_id)",

           spelled(R"sql(CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  error_class TEXT,
  http_status INTEGER,
  message TEXT))sql",
                   R"sql(CREATE TABLE delivery_attempts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  error_class TEXT,
  http_status INTEGER,
  message TEXT))sql"),
           "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, at)",

           // The key column is not named `key`: a reserved word in some SQL dialects.
           R"sql(CREATE TABLE idempotency_keys (
  client_id TEXT NOT NULL REFERENCES clients (id),
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response_status INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, idempotency_key)))sql",
           "CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)",

           // AUTOINCREMENT: ids are never reused, even after retention empties the table, so
           // paging by id stays correct.
           spelled(R"sql(CREATE TABLE audit_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL))sql",
                   R"sql(CREATE TABLE audit_entries (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL))sql"),
           "CREATE INDEX audit_entries_at ON audit_entries (at)",
           "CREATE INDEX audit_entries_actor ON audit_entries (actor, at)",
           "CREATE INDEX audit_entries_action ON audit_entries (action, at)",
           // Append-only: no update ever. Deletes stay possible for the retention purge.
           // PostgreSQL's trigger calls a function, created first (nothing for SQLite).
           spelled("", R"sql(CREATE FUNCTION audit_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$)sql"),
           spelled(R"sql(CREATE TRIGGER audit_entries_append_only BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END)sql",
                   R"sql(CREATE TRIGGER audit_entries_append_only BEFORE UPDATE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only())sql"),

           R"sql(CREATE TABLE connectors (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  config TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL))sql",

           R"sql(CREATE TABLE practitioner_activity (
  rpps TEXT NOT NULL,
  year INTEGER NOT NULL,
  total_acts BIGINT NOT NULL CHECK (total_acts >= 0),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (rpps, year)))sql",
       }},
      // The delivery queue (issue 5). lease_id makes each claim unique, so a worker whose lease
      // expired cannot finish a delivery another worker has claimed since; target holds the
      // recipient's own address for connectors that send to it.
      {2,
       "delivery-queue",
       {
           "ALTER TABLE deliveries ADD COLUMN lease_id TEXT",
           "ALTER TABLE deliveries ADD COLUMN target TEXT",
           // Start-up recovery and expired-lease claims look for in-flight rows by expiry.
           "CREATE INDEX deliveries_lease ON deliveries (status, lease_expires_at)",
           // Admin listings page by last change.
           "CREATE INDEX deliveries_updated ON deliveries (updated_at, id)",
       }},
      // Issue 8, finding 3. A payload reads its record-level resources and its own document's
      // rows only (record_id, document_id); claims are fair across clients and records: each
      // connector remembers when it last served a client or a record (its turn, a per-connector
      // sequence), and serves the least recently served first.
      {3,
       "fair-delivery",
       {
           R"sql(CREATE INDEX fhir_resources_record_document ON fhir_resources
  (record_id, document_id))sql",
           R"sql(CREATE TABLE delivery_turns (
  connector_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('client', 'record')),
  scope_id TEXT NOT NULL,
  turn BIGINT NOT NULL,
  PRIMARY KEY (connector_id, scope, scope_id)))sql",
           "CREATE INDEX delivery_turns_turn ON delivery_turns (connector_id, turn)",
       }},
      // Issue 10: a practitioner's own TLC-ACTIVITY-CAP threshold (percent), set by an
      // administrator with the yearly declaration; NULL means the configured cap.
      {4,
       "activity-cap-derogation",
       {
           R"sql(ALTER TABLE practitioner_activity ADD COLUMN cap_percent INTEGER
  CHECK (cap_percent IS NULL OR (cap_percent >= 0 AND cap_percent <= 100)))sql",
       }},
      // Issue 13: connector instances administered through the admin API live in the
      // `connectors` table of version 1 (config: the instance's JSON, secrets sealed); an update
      // names the version it replaces (optimistic concurrency) and who made it. Audit entries
      // get a short JSON detail (the key paths a change touched, never a value).
      {5,
       "connector-administration",
       {
           "ALTER TABLE connectors ADD COLUMN version BIGINT NOT NULL DEFAULT 1 CHECK (version >= "
           "1)",
           "ALTER TABLE connectors ADD COLUMN updated_by TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE audit_entries ADD COLUMN detail TEXT",
       }},
      // Issue 14, retention: purged_at marks a record whose content (bodies, outcomes, FHIR
      // resources, delivery targets and messages) was purged; the partial index finds the old
      // records not purged yet without walking the purged ones. Deleting a document cascades to
      // its resources and deliveries by document_id, which needs an index on each. A deleted
      // record's teleconsultation still counts towards its practitioner's yearly activity cap.
      {6,
       "retention",
       {
           "ALTER TABLE records ADD COLUMN purged_at BIGINT",
           "CREATE INDEX records_unpurged ON records (created_at) WHERE purged_at IS NULL",
           "CREATE INDEX fhir_resources_document ON fhir_resources (document_id)",
           "CREATE INDEX deliveries_document ON deliveries (document_id)",
           R"sql(CREATE TABLE deleted_teleconsultations (
  rpps TEXT NOT NULL,
  year INTEGER NOT NULL,
  count BIGINT NOT NULL CHECK (count >= 0),
  PRIMARY KEY (rpps, year)))sql",
       }},
      // Issue 15, lean writes: fewer index entries per FHIR resource. fhir_resources_record
      // (record_id) is the prefix of fhir_resources_record_document (record_id, document_id),
      // which serves every query by record and the cascade from records; the document_id index
      // only serves the cascade from a deleted document, which never names a record-level row
      // (document_id NULL), so it keeps the rows of documents only. The large values themselves
      // are packed (compressed) from now on; rows written before read as they are.
      {7,
       "lean-rows",
       {
           "DROP INDEX fhir_resources_record",
           "DROP INDEX fhir_resources_document",
           R"sql(CREATE INDEX fhir_resources_document ON fhir_resources (document_id)
  WHERE document_id IS NOT NULL)sql",
       }},
      // Issue 16, records on PostgreSQL. Documents, FHIR resources and deliveries are read in
      // insertion order: SQLite orders by (created_at, rowid), PostgreSQL has no rowid, so its
      // tables get an identity column `seq` (SQLite keeps its rowid: nothing to add). The packed
      // values (migration 7) are binary, which a PostgreSQL TEXT column (UTF-8) refuses: there
      // the packed columns become bytea (SQLite's TEXT columns take a BLOB as they are). Both
      // differences are by design (tests/store/schema_test.cpp lists them).
      {8,
       "postgresql-records",
       {
           spelled("", "ALTER TABLE documents ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY"),
           spelled("",
                   "ALTER TABLE fhir_resources ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY"),
           spelled("", "ALTER TABLE deliveries ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY"),
           spelled("", R"sql(ALTER TABLE records
  ALTER COLUMN body TYPE bytea USING convert_to(body, 'UTF8'),
  ALTER COLUMN outcome TYPE bytea USING convert_to(outcome, 'UTF8'))sql"),
           spelled("", R"sql(ALTER TABLE documents
  ALTER COLUMN body TYPE bytea USING convert_to(body, 'UTF8'),
  ALTER COLUMN outcome TYPE bytea USING convert_to(outcome, 'UTF8'))sql"),
           spelled("", R"sql(ALTER TABLE fhir_resources
  ALTER COLUMN json TYPE bytea USING convert_to(json, 'UTF8'))sql"),
           spelled("", R"sql(ALTER TABLE idempotency_keys
  ALTER COLUMN response_body TYPE bytea USING convert_to(response_body, 'UTF8'))sql"),
       }},
      // Issue 16, key rotation on PostgreSQL: a pass walks each sealed column in the order of a
      // growing row number (SQLite's rowid), which records and idempotency answers lacked there.
      {9,
       "postgresql-reseal-order",
       {
           spelled("", "ALTER TABLE records ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY"),
           spelled("",
                   "ALTER TABLE idempotency_keys ADD COLUMN seq BIGINT GENERATED ALWAYS AS "
                   "IDENTITY"),
       }},
      // Issue 16, rate limits across instances: a client's request budget as a theoretical
      // arrival time (GCRA: the bucket of RateLimiter, kept as one number), so that the instances
      // sharing a PostgreSQL store count against one budget. SQLite serves one instance, which
      // keeps its budgets in memory: the table stays empty there (same schema on both engines).
      {10,
       "shared-rate-limits",
       {
           R"sql(CREATE TABLE rate_limits (
  client_id TEXT PRIMARY KEY,
  tat_us BIGINT NOT NULL))sql",
       }},
      // Issue 15, claims that do not read the whole queue: a connector's line of records, one
      // row per record with deliveries still to make on that connector (pending, failed or
      // in-flight), in the order the record joined the line (`seq`), with its client and its
      // turn (the record turns of migration 3 move here; client turns stay in delivery_turns).
      // A claim walks each client's line by (turn, seq) and reads the due deliveries of the
      // records it takes only (deliveries_record_due), instead of every due delivery of the
      // connector. Triggers put a record in the line whenever one of its deliveries becomes
      // claimable on a connector (inserted, retried, re-routed), so no writer can forget it;
      // claims take out the lines left with nothing to deliver. On PostgreSQL the trigger keeps
      // a line it finds with a key-share lock, which a claim's removal of that line (FOR UPDATE,
      // then a fresh check) waits for: a line is never removed under a delivery made claimable
      // in a transaction not yet committed. The index on deliveries (record_id, ...) replaces
      // deliveries_record (its prefix); PostgreSQL orders ties by seq, SQLite by rowid.
      {11,
       "delivery-lines",
       {
           spelled(R"sql(CREATE TABLE delivery_lines (
  seq INTEGER PRIMARY KEY NOT NULL,
  connector_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  turn BIGINT NOT NULL DEFAULT 0,
  UNIQUE (connector_id, record_id)))sql",
                   R"sql(CREATE TABLE delivery_lines (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connector_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  turn BIGINT NOT NULL DEFAULT 0,
  UNIQUE (connector_id, record_id)))sql"),
           R"sql(CREATE INDEX delivery_lines_line ON delivery_lines
  (connector_id, client_id, turn, seq))sql",
           "DROP INDEX deliveries_record",
           spelled(R"sql(CREATE INDEX deliveries_record_due ON deliveries
  (record_id, connector_id, status, next_attempt_at))sql",
                   R"sql(CREATE INDEX deliveries_record_due ON deliveries
  (record_id, connector_id, status, next_attempt_at, seq))sql"),
           // The records queued now, in the order of their oldest delivery, with their turns.
           R"sql(INSERT INTO delivery_lines (connector_id, record_id, client_id, turn)
SELECT d.connector_id, d.record_id, r.client_id, COALESCE(MAX(t.turn), 0)
FROM deliveries d JOIN records r ON r.id = d.record_id
LEFT JOIN delivery_turns t ON t.connector_id = d.connector_id AND t.scope = 'record'
  AND t.scope_id = d.record_id
WHERE d.status IN ('pending', 'failed', 'in-flight') AND d.connector_id IS NOT NULL
GROUP BY d.connector_id, d.record_id, r.client_id
ORDER BY MIN(d.created_at), d.record_id)sql",
           "DELETE FROM delivery_turns WHERE scope = 'record'",
           spelled("", R"sql(CREATE FUNCTION deliveries_keep_line() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  LOOP
    INSERT INTO delivery_lines (connector_id, record_id, client_id)
      SELECT NEW.connector_id, NEW.record_id, r.client_id FROM records r WHERE r.id = NEW.record_id
      ON CONFLICT (connector_id, record_id) DO NOTHING;
    EXIT WHEN FOUND;
    PERFORM 1 FROM delivery_lines
      WHERE connector_id = NEW.connector_id AND record_id = NEW.record_id FOR KEY SHARE;
    EXIT WHEN FOUND;
    EXIT WHEN NOT EXISTS (SELECT 1 FROM records WHERE id = NEW.record_id);
  END LOOP;
  RETURN NULL;
END $$)sql"),
           spelled(R"sql(CREATE TRIGGER deliveries_line_on_insert AFTER INSERT ON deliveries
WHEN NEW.status IN ('pending', 'failed') AND NEW.connector_id IS NOT NULL
BEGIN
  INSERT INTO delivery_lines (connector_id, record_id, client_id)
    SELECT NEW.connector_id, NEW.record_id, r.client_id FROM records r WHERE r.id = NEW.record_id
    ON CONFLICT (connector_id, record_id) DO NOTHING;
END)sql",
                   R"sql(CREATE TRIGGER deliveries_line_on_insert AFTER INSERT ON deliveries
FOR EACH ROW WHEN (NEW.status IN ('pending', 'failed') AND NEW.connector_id IS NOT NULL)
EXECUTE FUNCTION deliveries_keep_line())sql"),
           spelled(
               R"sql(CREATE TRIGGER deliveries_line_on_update AFTER UPDATE OF status, connector_id
ON deliveries
WHEN NEW.status IN ('pending', 'failed') AND NEW.connector_id IS NOT NULL
  AND (OLD.status NOT IN ('pending', 'failed', 'in-flight')
    OR OLD.connector_id IS NOT NEW.connector_id)
BEGIN
  INSERT INTO delivery_lines (connector_id, record_id, client_id)
    SELECT NEW.connector_id, NEW.record_id, r.client_id FROM records r WHERE r.id = NEW.record_id
    ON CONFLICT (connector_id, record_id) DO NOTHING;
END)sql",
               R"sql(CREATE TRIGGER deliveries_line_on_update AFTER UPDATE OF status, connector_id
ON deliveries FOR EACH ROW
WHEN (NEW.status IN ('pending', 'failed') AND NEW.connector_id IS NOT NULL
  AND (OLD.status NOT IN ('pending', 'failed', 'in-flight')
    OR OLD.connector_id IS DISTINCT FROM NEW.connector_id))
EXECUTE FUNCTION deliveries_keep_line())sql"),
       }},
  };
  return kMigrations;
}

}  // namespace fhirgw::store::detail
