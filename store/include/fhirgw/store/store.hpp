#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/audit_entry.hpp"
#include "fhirgw/store/client.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/idempotency_entry.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/store_options.hpp"
#include "fhirgw/store/stored_connector.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::store {

/// The gateway's durable state. Implementations are safe to call from many threads at once and
/// never throw: every failure is a Status (kUnavailable when busy or unreachable, so the caller
/// answers 503 and nothing is half-written; kNotFound for an unknown id or one of another client;
/// kAlreadyExists for a unique id or key already taken).
class Store {
 public:
  virtual ~Store() = default;

  /// Readiness: the store answers a trivial query.
  virtual common::Status ping() const = 0;
  /// The highest schema migration applied.
  virtual common::Result<int> schemaVersion() const = 0;

  // -- API clients and keys ---------------------------------------------------------------

  /// Creates a client with its first key, atomically. kAlreadyExists if the id or key id is taken.
  virtual common::Status createClient(const NewClient& client, const NewApiKey& firstKey) = 0;
  /// Adds a key to an existing client; kNotFound for an unknown client.
  virtual common::Status addApiKey(std::string_view clientId, const NewApiKey& key) = 0;
  /// Revokes a key for good; kNotFound for an unknown key.
  virtual common::Status revokeApiKey(std::string_view keyId) = 0;
  /// One client, disabled or not.
  virtual common::Result<Client> getClient(std::string_view clientId) const = 0;
  /// All clients, oldest first.
  virtual common::Result<std::vector<Client>> listClients() const = 0;
  /// Disables a client (its keys stop working; its records stay); kNotFound if unknown.
  virtual common::Status disableClient(std::string_view clientId) = 0;
  /// The key with this id if neither it is revoked nor its client disabled, else kNotFound.
  /// One indexed row: the caller then checks the secret with common::verifySecret.
  virtual common::Result<ActiveApiKey> findActiveApiKey(std::string_view keyId) const = 0;

  // -- Audit trail ------------------------------------------------------------------------

  /// Appends an entry stamped with the store's clock; returns its id.
  virtual common::Result<std::int64_t> appendAudit(const NewAuditEntry& entry) = 0;
  /// Entries matching the query, in append order.
  virtual common::Result<std::vector<AuditEntry>> queryAudit(const AuditQuery& query) const = 0;

  // -- Practitioner activity (TLC-ACTIVITY-CAP) -------------------------------------------

  /// Sets the declared total acts of a practitioner for a year and, with it, the practitioner's
  /// own TLC-ACTIVITY-CAP threshold in percent (a derogation of the national commission; nullopt:
  /// the configured cap), in one write: both replace a previous declaration.
  virtual common::Status upsertPractitionerActivity(std::string_view rpps, int year,
                                                    std::int64_t totalActs,
                                                    std::optional<int> capPercent) = 0;
  /// The declared total acts; kNotFound when nothing was declared for that year.
  virtual common::Result<std::int64_t> getPractitionerActivity(std::string_view rpps,
                                                               int year) const = 0;
  /// The practitioner's own threshold for a year; nullopt when none was set.
  virtual common::Result<std::optional<int>> getPractitionerCapPercent(std::string_view /*rpps*/,
                                                                       int /*year*/) const {
    return std::optional<int>{};
  }
  /// Teleconsultations recorded (all clients) for this practitioner and encounter year, not
  /// counting those where the practitioner is the patient's treating physician.
  virtual common::Result<std::int64_t> countTeleconsultations(std::string_view rpps,
                                                              int year) const = 0;

  // -- Submissions ------------------------------------------------------------------------

  /// Writes the submission in one durable transaction, all or nothing, before returning ok.
  /// kAlreadyExists when the record or document external id, or the idempotency key, is already
  /// used by this client (the caller looks the first one up and replays or answers 409);
  /// kNotFound when adding documents to a record this client does not have; kInvalidArgument
  /// for an ill-formed submission.
  virtual common::Status commitSubmission(const Submission& submission) = 0;
  /// A record of this client.
  virtual common::Result<Record> getRecord(std::string_view clientId,
                                           std::string_view recordId) const = 0;
  /// A record of this client by the client's own external id.
  virtual common::Result<Record> findRecordByExternalId(std::string_view clientId,
                                                        std::string_view externalId) const = 0;
  /// The documents of a record of this client, in creation order (kNotFound for the record).
  virtual common::Result<std::vector<Document>> listDocuments(std::string_view clientId,
                                                              std::string_view recordId) const = 0;
  /// A document of this client by the client's own external id.
  virtual common::Result<Document> findDocumentByExternalId(std::string_view clientId,
                                                            std::string_view externalId) const = 0;
  /// The FHIR resources of a record of this client (kNotFound for the record).
  virtual common::Result<std::vector<FhirResource>> listFhirResources(
      std::string_view clientId, std::string_view recordId) const = 0;
  /// The deliveries of a record of this client, in creation order (kNotFound for the record).
  virtual common::Result<std::vector<Delivery>> listDeliveries(std::string_view clientId,
                                                               std::string_view recordId) const = 0;
  /// The remembered answer for an `Idempotency-Key`; kNotFound when absent or expired.
  virtual common::Result<IdempotencyEntry> findIdempotencyEntry(std::string_view clientId,
                                                                std::string_view key) const = 0;
  /// Deletes expired idempotency entries; returns how many.
  virtual common::Result<std::int64_t> purgeExpiredIdempotencyEntries() = 0;

  // -- Delivery queue (the delivery engine) ------------------------------------------------
  // A delivery moves pending -> in-flight (claimed with a lease) -> delivered | failed (due again
  // later) | dead. Only the holder of a claim's leaseId may finish or release it; a claim whose
  // lease expired may be taken by anyone, which records the unfinished attempt as interrupted.

  /// Claims up to `limit` deliveries of the connector that are due (pending or failed with
  /// nextAttemptAt <= now, or in-flight with an expired lease), in fair order: round-robin
  /// across clients (the client this connector served least recently first), then across the
  /// records of that client the same way, then oldest due first. Each becomes in-flight with
  /// owner, a fresh leaseId and leaseExpiresAt = now + lease; firstAttemptAt is set on the first
  /// claim. Returns them as claimed (empty when nothing is due).
  virtual common::Result<std::vector<Delivery>> claimDeliveries(const ClaimRequest& request) = 0;
  /// Records the attempt and moves the delivery to its next state in one transaction, clearing
  /// the lease; attempts grows by one. kFailedPrecondition when the lease was lost (expired and
  /// claimed again, or reset): nothing is written. kInvalidArgument for an inconsistent finish.
  virtual common::Status finishAttempt(const FinishedAttempt& finished) = 0;
  /// Gives a claim back without an attempt (shutdown before sending, open circuit): pending or
  /// failed again, due at dueAt. kFailedPrecondition when the lease was lost.
  virtual common::Status releaseDelivery(std::string_view deliveryId, std::string_view leaseId,
                                         common::TimePoint dueAt) = 0;
  /// Gives up on a claimed delivery without an attempt (its budget was spent by interrupted
  /// attempts): dead with the reason. kFailedPrecondition when the lease was lost.
  virtual common::Status abandonDelivery(std::string_view deliveryId, std::string_view leaseId,
                                         std::string_view reason) = 0;
  /// Start-up recovery: every in-flight delivery claimed by owner (a previous run of this
  /// instance) or whose lease expired gets an interrupted attempt and becomes failed, due now.
  /// Returns how many.
  virtual common::Result<std::int64_t> recoverInFlightDeliveries(std::string_view owner) = 0;
  /// When the connector next has something to claim: the earliest nextAttemptAt of its pending
  /// and failed deliveries or leaseExpiresAt of its in-flight ones; nullopt when none.
  virtual common::Result<std::optional<common::TimePoint>> nextDeliveryDue(
      std::string_view connectorId) const = 0;
  /// One delivery by id, whoever the client.
  virtual common::Result<Delivery> getDelivery(std::string_view deliveryId) const = 0;
  /// The attempts of a delivery, oldest first (empty for an unknown id).
  virtual common::Result<std::vector<DeliveryAttempt>> listDeliveryAttempts(
      std::string_view deliveryId) const = 0;
  /// Deliveries of every client matching the query (admin API).
  virtual common::Result<std::vector<Delivery>> queryDeliveries(
      const DeliveryQuery& query) const = 0;
  /// Admin retry of one dead delivery: pending again, due now, with a fresh attempt budget
  /// (attempts and firstAttemptAt reset; the attempt history stays). kNotFound for an unknown
  /// id, kFailedPrecondition when it is not dead.
  virtual common::Status retryDeadDelivery(std::string_view deliveryId) = 0;
  /// retryDeadDelivery for every dead delivery matching the filter; returns how many.
  virtual common::Result<std::int64_t> retryDeadDeliveries(const DeadDeliveryFilter& filter) = 0;
  /// Number of deliveries per connector and state (metrics), ordered by connector then state.
  virtual common::Result<std::vector<QueueDepth>> deliveryQueueDepths() const = 0;
  /// The latest version of each FHIR resource of a record, whoever the client (the engine builds
  /// payloads from them), in creation order.
  virtual common::Result<std::vector<FhirResource>> listRecordFhirResources(
      std::string_view recordId) const = 0;
  /// What one delivery's payload can need, latest versions, whoever the client, in creation
  /// order: the record-level resources (no document) and, when documentId is set, that
  /// document's own. Never another document's: the cost of a payload does not grow with the
  /// number of documents of its record (indexed by record and document).
  virtual common::Result<std::vector<FhirResource>> listPayloadFhirResources(
      std::string_view recordId, const std::optional<std::string>& documentId) const = 0;

  // -- Connector instances (admin API) ----------------------------------------------------

  /// Adds a connector; kAlreadyExists when the id is taken.
  virtual common::Status createConnector(const NewStoredConnector& connector) = 0;
  /// Replaces a connector's type, config and enabled flag; kNotFound when unknown.
  virtual common::Status updateConnector(const NewStoredConnector& connector) = 0;
  /// Deletes a connector (its deliveries stay); kNotFound when unknown.
  virtual common::Status deleteConnector(std::string_view connectorId) = 0;
  /// One connector.
  virtual common::Result<StoredConnector> getConnector(std::string_view connectorId) const = 0;
  /// All connectors, by id.
  virtual common::Result<std::vector<StoredConnector>> listConnectors() const = 0;
};

/// Opens the store the options select, migrated to the latest schema: empty url => SQLite
/// `<dataDir>/gateway.db` (dataDir is created); `sqlite:PATH` => SQLite at PATH;
/// `postgresql://` => kUnimplemented for now; any other url => kInvalidArgument. The clock must
/// outlive the store.
common::Result<std::unique_ptr<Store>> openStore(
    const StoreOptions& options, const common::Clock& clock = common::SystemClock::instance());

}  // namespace fhirgw::store
