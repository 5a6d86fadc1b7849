#pragma once

#include <memory>
#include <span>
#include <string>

#include "fhirgw/store/store.hpp"

namespace fhirgw::store {

/// The schema version this code writes; a database with a higher one is refused.
int latestSqliteSchemaVersion();

/// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
/// before it returns. Writes go through one connection, one at a time, concurrent submissions
/// grouped into one transaction (group commit); reads use a pool of read-only connections and
/// run alongside writes.
class SqliteStore final : public Store {
 public:
  /// Opens (creating it, mode 0600, if missing) and migrates the database file at path.
  static common::Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                           const StoreOptions& options,
                                                           const common::Clock& clock);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  /// `PRAGMA integrity_check`: ok, or kDataLoss with SQLite's first complaint.
  common::Status integrityCheck() const;

  common::Status ping() const override;
  common::Result<int> schemaVersion() const override;
  std::optional<std::string> databaseFile() const override;

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
  // tests/store reaches the group commit's test hooks through it.
  friend struct SqliteStoreTestAccess;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fhirgw::store
