#pragma once

// The store-level benchmarks' record (bench/commit_bench, bench/queue_bench,
// bench/store_bytes_bench): a submission shaped
// like the accepted full example, its body, three documents, ten FHIR resources of 2.8 KB and its
// 7 deliveries (DMP and patient per document, and the encounter). The sizes matter: the store's
// pages are what a commit writes and what a claim reads.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::bench {

/// text padded with spaces to `size` bytes.
inline std::string padded(std::string text, std::size_t size) {
  if (text.size() < size) text.append(size - text.size(), ' ');
  return text;
}

/// The record `id` of client "c-bench", its deliveries to `connector`.
inline store::Submission fullExampleSubmission(const std::string& body, const std::string& id,
                                               const std::string& connector) {
  store::Submission sub;
  sub.clientId = "c-bench";
  sub.recordId = id;
  store::NewRecord r;
  r.externalId = "ext-" + id;
  r.status = "accepted";
  r.requestHash = common::sha256Hex(id);
  r.body = body;
  r.outcome = R"({"resourceType":"OperationOutcome","issue":[]})";
  r.practitionerRpps = "10000000001";
  r.encounterYear = 2026;
  sub.record = r;
  const char* kinds[] = {"report", "prescription", "sick-leave"};
  for (int i = 0; i < 3; ++i) {
    const std::string docId = id + "-doc-" + std::to_string(i);
    sub.documents.push_back({docId, std::nullopt, kinds[i], common::sha256Hex(docId),
                             padded(R"({"kind":")" + std::string(kinds[i]) + R"("})", 600),
                             R"({"issue":[]})"});
    sub.deliveries.push_back({docId + "-dmp", docId, "dmp", connector,
                              store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
    sub.deliveries.push_back({docId + "-patient", docId, "patient", connector,
                              store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
  }
  const char* types[] = {
      "Patient",           "Practitioner",      "PractitionerRole",  "Encounter", "Organization",
      "DocumentReference", "DocumentReference", "MedicationRequest", "Binary",    "Composition"};
  for (int i = 0; i < 10; ++i) {
    std::optional<std::string> doc;
    if (i >= 5 && i < 8) doc = id + "-doc-" + std::to_string(i - 5);
    sub.resources.push_back(
        {doc, types[i], id + "-res-" + std::to_string(i), 1,
         padded(R"({"resourceType":")" + std::string(types[i]) + R"("})", 2800)});
  }
  sub.deliveries.push_back({id + "-enc", std::nullopt, "encounter", connector,
                            store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
  return sub;
}

/// The result of a delivered attempt of d, started at `at`.
inline store::FinishedAttempt deliveredAttempt(const store::Delivery& d, common::TimePoint at) {
  store::FinishedAttempt f;
  f.deliveryId = d.id;
  f.leaseId = d.leaseId.value_or("");
  f.next = store::DeliveryStatus::kDelivered;
  f.startedAt = at;
  f.outcome = store::AttemptOutcome::kDelivered;
  f.httpStatus = 200;
  return f;
}

/// Records a batch of results at once (finishAttempts); false, with the reason on standard
/// error, unless every one was written.
inline bool finishAll(store::Store& db, const std::vector<store::FinishedAttempt>& results) {
  auto statuses = db.finishAttempts(results);
  if (!statuses) {
    std::fprintf(stderr, "finish: %s\n", statuses.error().toString().c_str());
    return false;
  }
  for (const common::Status& s : *statuses) {
    if (!s.isOk()) {
      std::fprintf(stderr, "finish: %s\n", s.toString().c_str());
      return false;
    }
  }
  return true;
}

}  // namespace fhirgw::bench
