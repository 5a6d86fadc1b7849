#pragma once

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/store/storage_encryption.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/store/submission.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace fhirgw::store::testing {

// Shared with the other test folders (tests/support).
using fhirgw::testsupport::TempDir;
using fhirgw::testsupport::testStart;

/// A raw connection to a test database, for checks the Store interface does not offer.
inline Poco::Data::Session rawSession(const std::filesystem::path& db) {
  Poco::Data::SQLite::Connector::registerConnector();
  return Poco::Data::Session(Poco::Data::SQLite::Connector::KEY, db.string());
}

/// A complete teleconsultation submission: one record, one report, two FHIR resources, a pending
/// and a skipped delivery. Every id is derived from recordId so several can coexist.
inline Submission makeSubmission(const std::string& clientId, const std::string& recordId,
                                 std::optional<std::string> externalId = std::nullopt) {
  Submission sub;
  sub.clientId = clientId;
  sub.recordId = recordId;
  NewRecord record;
  record.externalId = std::move(externalId);
  record.requestHash = "hash-" + recordId;
  record.body = R"({"practitioner":{"rpps":"10000000001"}})";
  record.outcome = R"({"resourceType":"OperationOutcome","issue":[]})";
  record.practitionerRpps = "10000000001";
  record.encounterYear = 2026;
  sub.record = std::move(record);
  sub.documents.push_back({recordId + "-doc", std::nullopt, "report", "dochash-" + recordId,
                           R"({"kind":"report"})", R"({"issue":[]})"});
  sub.resources.push_back(
      {std::nullopt, "Encounter", recordId + "-enc", 1, R"({"resourceType":"Encounter"})"});
  sub.resources.push_back({recordId + "-doc", "DocumentReference", recordId + "-docref", 1,
                           R"({"resourceType":"DocumentReference"})"});
  sub.deliveries.push_back({recordId + "-dmp", recordId + "-doc", "dmp", "dmp-main",
                            DeliveryStatus::kPending, std::nullopt, std::nullopt});
  sub.deliveries.push_back({recordId + "-patient", recordId + "-doc", "patient", std::nullopt,
                            DeliveryStatus::kSkipped, "ID-INS-QUALIFIED", std::nullopt});
  return sub;
}

/// Claims the one pending delivery of "dmp-main" (makeSubmission's) and records a failed attempt
/// whose message names a patient (a value encryption at rest must seal).
inline void failDmpDelivery(Store& store, const common::Clock& clock) {
  using namespace std::chrono_literals;
  auto claimed = store.claimDeliveries({"dmp-main", "worker", 30s, 1});
  ASSERT_TRUE(claimed.hasValue()) << claimed.status().toString();
  ASSERT_EQ(claimed->size(), 1u);
  FinishedAttempt f;
  f.deliveryId = (*claimed)[0].id;
  f.leaseId = *(*claimed)[0].leaseId;
  f.next = DeliveryStatus::kFailed;
  f.nextAttemptAt = clock.now() + 1h;
  f.startedAt = clock.now();
  f.outcome = AttemptOutcome::kFailed;
  f.errorClass = ErrorClass::kTransient;
  f.message = "550 <279035121518989@patient.mssante.fr> unknown";
  ASSERT_TRUE(store.finishAttempt(f).isOk());
}

/// The values of a key rotation's counts not yet under the active key (plain or another key's).
inline std::int64_t notUnderActiveKey(const std::vector<SealedColumnCount>& counts) {
  std::int64_t n = 0;
  for (const SealedColumnCount& c : counts) {
    n += c.plain;
    for (const auto& [keyId, values] : c.underOtherKeys) n += values;
  }
  return n;
}

}  // namespace fhirgw::store::testing
