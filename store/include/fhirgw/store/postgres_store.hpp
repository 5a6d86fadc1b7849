#pragma once

#include <memory>
#include <span>
#include <string>

#include "fhirgw/store/store.hpp"

namespace fhirgw::store {

/// The shared store: one PostgreSQL database for several gateway instances. A pool of libpq
/// connections (StoreOptions::connections), each operation one transaction on one of them, rows
/// claimed with FOR UPDATE SKIP LOCKED; the schema is the SQLite store's, migrated under an
/// advisory lock so that instances starting together apply each migration once. openStore
/// selects it for a `postgresql://` url (docs/storage.md, "PostgreSQL").
class PostgresStore final : public Store, public SharedRateLimits {
 public:
  /// Connects to the database of `url` (postgresql://user@host:port/db?sslmode=...; no password
  /// in it: options.password, or libpq's PGPASSWORD / PGPASSFILE / ~/.pgpass) and migrates it.
  /// kInvalidArgument for a malformed url (never echoed), kUnavailable when the server cannot be
  /// reached, kFailedPrecondition for a schema newer than this code.
  static common::Result<std::unique_ptr<PostgresStore>> open(std::string_view url,
                                                             const StoreOptions& options,
                                                             const common::Clock& clock);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  common::Status ping() const override;
  common::Result<int> schemaVersion() const override;
  SharedRateLimits* sharedRateLimits() override { return this; }
  common::Result<std::optional<std::chrono::milliseconds>> takeRequest(
      std::string_view clientId, std::int64_t perMinute) override;

  common::Status createClient(const NewClient& client, const NewApiKey& firstKey) override;
  common::Status addApiKey(std::string_view clientId, const NewApiKey& key) override;
  common::Result<std::vector<ApiKeyInfo>> listApiKeys(std::string_view clientId) const override;
  common::Status revokeApiKey(std::string_view clientId, std::string_view keyId) override;
  common::Result<Client> getClient(std::string_view clientId) const override;
  common::Result<std::vector<Client>> listClients() const override;
  common::Status disableClient(std::string_view clientId) override;
  common::Result<ActiveApiKey> findActiveApiKey(std::string_view keyId) const override;

  common::Result<std::int64_t> appendAudit(const NewAuditEntry& entry) override;
  common::Result<std::vector<AuditEntry>> queryAudit(const AuditQuery& query) const override;

  common::Status upsertPractitionerActivity(std::string_view rpps, int year, std::int64_t totalActs,
                                            std::optional<int> capPercent) override;
  common::Result<std::optional<int>> getPractitionerCapPercent(std::string_view rpps,
                                                               int year) const override;
  common::Result<std::int64_t> getPractitionerActivity(std::string_view rpps,
                                                       int year) const override;
  common::Result<std::int64_t> countTeleconsultations(std::string_view rpps,
                                                      int year) const override;

  common::Status commitSubmission(const Submission& submission) override;
  common::Result<Record> getRecord(std::string_view clientId,
                                   std::string_view recordId) const override;
  common::Result<Record> getRecordOfAnyClient(std::string_view recordId) const override;
  common::Result<Record> findRecordByExternalId(std::string_view clientId,
                                                std::string_view externalId) const override;
  common::Result<std::vector<Document>> listDocuments(std::string_view clientId,
                                                      std::string_view recordId) const override;
  common::Result<Document> findDocumentByExternalId(std::string_view clientId,
                                                    std::string_view externalId) const override;
  common::Result<std::vector<FhirResource>> listFhirResources(
      std::string_view clientId, std::string_view recordId) const override;
  common::Result<std::vector<Delivery>> listDeliveries(std::string_view clientId,
                                                       std::string_view recordId) const override;
  common::Result<IdempotencyEntry> findIdempotencyEntry(std::string_view clientId,
                                                        std::string_view key) const override;

  common::Result<std::vector<Delivery>> claimDeliveries(const ClaimRequest& request) override;
  common::Status finishAttempt(const FinishedAttempt& finished) override;
  common::Result<std::vector<common::Status>> finishAttempts(
      std::span<const FinishedAttempt> finished) override;
  common::Status releaseDelivery(std::string_view deliveryId, std::string_view leaseId,
                                 common::TimePoint dueAt) override;
  common::Status abandonDelivery(std::string_view deliveryId, std::string_view leaseId,
                                 std::string_view reason) override;
  common::Result<std::int64_t> recoverInFlightDeliveries(std::string_view owner) override;
  common::Result<std::optional<common::TimePoint>> nextDeliveryDue(
      std::string_view connectorId) const override;
  common::Result<Delivery> getDelivery(std::string_view deliveryId) const override;
  common::Result<std::vector<DeliveryAttempt>> listDeliveryAttempts(
      std::string_view deliveryId) const override;
  common::Result<std::vector<Delivery>> queryDeliveries(const DeliveryQuery& query) const override;
  common::Status retryDeadDelivery(std::string_view deliveryId) override;
  common::Result<std::int64_t> retryDeadDeliveries(const DeadDeliveryFilter& filter) override;
  common::Result<std::int64_t> countRetriableDeadDeliveries(
      const DeadDeliveryFilter& filter) const override;
  common::Result<std::int64_t> rerouteDeliveries(const RerouteRequest& request) override;
  common::Result<std::vector<QueueDepth>> deliveryQueueDepths() const override;
  common::Result<std::optional<common::TimePoint>> oldestQueuedDeliveryAt(
      std::string_view connectorId) const override;
  common::Result<std::vector<FhirResource>> listRecordFhirResources(
      std::string_view recordId) const override;
  common::Result<std::vector<FhirResource>> listPayloadFhirResources(
      std::string_view recordId, const std::optional<std::string>& documentId) const override;

  common::Result<std::vector<StoredConnector>> listConnectors() const override;
  common::Result<StoredConnector> getConnector(std::string_view id) const override;
  common::Result<StoredConnector> insertConnector(const ConnectorRow& row) override;
  common::Result<StoredConnector> updateConnector(const ConnectorRow& row,
                                                  std::int64_t expectedVersion) override;
  common::Status deleteConnector(std::string_view id, std::int64_t expectedVersion) override;

  common::Result<std::vector<SealedColumnCount>> countSealedValues() const override;
  common::Result<ResealBatch> resealBatch(const ResealCursor& cursor, std::size_t limit) override;
  common::Result<bool> checkpointWal() override;

  common::Result<std::int64_t> purgeRecordContent(common::TimePoint cutoff,
                                                  std::size_t limit) override;
  common::Result<std::int64_t> deleteRecords(common::TimePoint cutoff, std::size_t limit) override;
  common::Result<std::int64_t> deleteAuditEntries(common::TimePoint cutoff,
                                                  std::size_t limit) override;
  common::Result<std::int64_t> purgeExpiredIdempotencyEntries(std::size_t limit) override;

 private:
  class Impl;
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The schema version this code writes (the same list as SQLite's).
int latestPostgresSchemaVersion();

}  // namespace fhirgw::store
