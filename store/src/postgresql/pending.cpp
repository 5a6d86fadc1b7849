// PostgresStore: the roles not yet on PostgreSQL (records, idempotency answers, the delivery
// queue's payload reads, encryption at rest, retention). Each answers kUnimplemented, so
// openStore does not select this store yet (docs/storage.md, "PostgreSQL"). A method added to a
// Store role before the PostgreSQL store implements it gets its kUnimplemented stub here.

#include <string>
#include <vector>

#include "postgresql/store_impl.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;

namespace {

Status pending(std::string_view operation) {
  return common::unimplemented(std::string(operation) + ": not yet on the PostgreSQL store");
}

}  // namespace

common::Status PostgresStore::commitSubmission(const Submission& /*submission*/) {
  return pending("commitSubmission");
}

common::Result<Record> PostgresStore::getRecord(std::string_view /*clientId*/,
                                                std::string_view /*recordId*/) const {
  return pending("getRecord");
}

common::Result<Record> PostgresStore::getRecordOfAnyClient(std::string_view /*recordId*/) const {
  return pending("getRecordOfAnyClient");
}

common::Result<Record> PostgresStore::findRecordByExternalId(
    std::string_view /*clientId*/, std::string_view /*externalId*/) const {
  return pending("findRecordByExternalId");
}

common::Result<std::vector<Document>> PostgresStore::listDocuments(
    std::string_view /*clientId*/, std::string_view /*recordId*/) const {
  return pending("listDocuments");
}

common::Result<Document> PostgresStore::findDocumentByExternalId(
    std::string_view /*clientId*/, std::string_view /*externalId*/) const {
  return pending("findDocumentByExternalId");
}

common::Result<std::vector<FhirResource>> PostgresStore::listFhirResources(
    std::string_view /*clientId*/, std::string_view /*recordId*/) const {
  return pending("listFhirResources");
}

common::Result<std::vector<Delivery>> PostgresStore::listDeliveries(
    std::string_view /*clientId*/, std::string_view /*recordId*/) const {
  return pending("listDeliveries");
}

common::Result<IdempotencyEntry> PostgresStore::findIdempotencyEntry(
    std::string_view /*clientId*/, std::string_view /*key*/) const {
  return pending("findIdempotencyEntry");
}

common::Result<std::vector<FhirResource>> PostgresStore::listRecordFhirResources(
    std::string_view /*recordId*/) const {
  return pending("listRecordFhirResources");
}

common::Result<std::vector<FhirResource>> PostgresStore::listPayloadFhirResources(
    std::string_view /*recordId*/, const std::optional<std::string>& /*documentId*/) const {
  return pending("listPayloadFhirResources");
}

common::Result<std::vector<SealedColumnCount>> PostgresStore::countSealedValues() const {
  return pending("countSealedValues");
}

common::Result<ResealBatch> PostgresStore::resealBatch(const ResealCursor& /*cursor*/,
                                                       std::size_t /*limit*/) {
  return pending("resealBatch");
}

common::Result<bool> PostgresStore::checkpointWal() { return pending("checkpointWal"); }

common::Result<std::int64_t> PostgresStore::purgeRecordContent(common::TimePoint /*cutoff*/,
                                                               std::size_t /*limit*/) {
  return pending("purgeRecordContent");
}

common::Result<std::int64_t> PostgresStore::deleteRecords(common::TimePoint /*cutoff*/,
                                                          std::size_t /*limit*/) {
  return pending("deleteRecords");
}

common::Result<std::int64_t> PostgresStore::deleteAuditEntries(common::TimePoint /*cutoff*/,
                                                               std::size_t /*limit*/) {
  return pending("deleteAuditEntries");
}

common::Result<std::int64_t> PostgresStore::purgeExpiredIdempotencyEntries(std::size_t /*limit*/) {
  return pending("purgeExpiredIdempotencyEntries");
}

}  // namespace fhirgw::store
