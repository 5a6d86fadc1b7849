// The cost of one delivery of a record with many documents (issue 8, finding 3): a record with
// N one-day sick-leave documents (10 record-level FHIR rows + 3 per document, 2N+1 deliveries,
// the shape of the 1.4 MB request of the issue with N = 10,000) is committed to a fresh SQLite
// store; then, per delivery, the store read and the payload build the engine does before each
// attempt, the fair claim, and where another client's delivery queued afterwards is leased.
//
//   delivery_bench [N=10000] [samples=200] [--legacy] [--keep]
//
// --legacy builds payloads the way the engine did before (every row of the record, then
// makeDeliveryPayload filters). RSS: the process's peak (getrusage) and the payload phase's own
// peak (VmHWM reset after the commit); run each mode in its own process. --keep leaves the
// database (its path is printed) for looking at query plans. Release build, quiet machine.
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using namespace fhirgw;

// A line of /proc/self/status in KiB (VmRSS: now, VmHWM: peak since the last reset).
long statusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::strlen(key) + 1);
  }
  return -1;
}

long peakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Resets the peak (VmHWM) to the current RSS (Linux: clear_refs 5), after giving freed heap
// back, so that the payload phase is measured apart from building and committing the record.
void resetPeak() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

void print(const char* what, const bench::Stats& s) { bench::print(what, s, 44); }

std::string ref(const std::string& type, const std::string& id) {
  return R"({"reference":")" + type + "/" + id + R"("})";
}

// A record with n sick-leave documents: 10 record-level resources, 3 per document; deliveries
// to the DMP and the patient per document and the encounter, all on connector "bench".
store::Submission bigSubmission(int n) {
  store::Submission sub;
  sub.clientId = "c-big";
  sub.recordId = "big";
  store::NewRecord record;
  record.requestHash = "h-big";
  record.body = "{}";
  record.outcome = "{}";
  record.practitionerRpps = "10000000001";
  record.encounterYear = 2026;
  sub.record = record;
  const std::string pat = "big-patient";
  const std::string pra = "big-practitioner";
  const std::string enc = "big-encounter";
  const auto add = [&](std::optional<std::string> doc, const std::string& type,
                       const std::string& id, const std::string& rest) {
    sub.resources.push_back(
        {std::move(doc), type, id, 1,
         R"({"resourceType":")" + type + R"(","id":")" + id + "\"" + rest + "}"});
  };
  add(std::nullopt, "Patient", pat,
      R"(,"identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"1800599999999"}])");
  add(std::nullopt, "Practitioner", pra,
      R"(,"identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810000000001"}])");
  add(std::nullopt, "Organization", "big-org", R"(,"name":"Cabinet")");
  add(std::nullopt, "PractitionerRole", "big-role",
      R"(,"practitioner":)" + ref("Practitioner", pra) + R"(,"organization":)" +
          ref("Organization", "big-org"));
  add(std::nullopt, "Encounter", enc,
      R"(,"status":"finished","subject":)" + ref("Patient", pat) +
          R"(,"participant":[{"individual":)" + ref("Practitioner", pra) + "}]");
  add(std::nullopt, "Consent", "big-consent",
      R"(,"status":"active","patient":)" + ref("Patient", pat));
  add(std::nullopt, "ChargeItem", "big-charge",
      R"(,"status":"billable","subject":)" + ref("Patient", pat));
  add(std::nullopt, "Coverage", "big-coverage",
      R"(,"status":"active","beneficiary":)" + ref("Patient", pat));
  add(std::nullopt, "Provenance", "big-provenance", R"(,"target":[)" + ref("Encounter", enc) + "]");
  add(std::nullopt, "AuditEvent", "big-audit", R"(,"type":{"code":"rest"})");
  sub.deliveries.push_back({"big-encounter-d", std::nullopt, "encounter", "bench",
                            store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(100000 + i);
    const std::string doc = "big-doc-" + k;
    sub.documents.push_back({doc, std::nullopt, "sick-leave", "dh-" + k, "{}", "{}"});
    add(doc, "DocumentReference", "big-dr-" + k,
        R"(,"status":"current","subject":)" + ref("Patient", pat) + R"(,"author":[)" +
            ref("Practitioner", pra) + R"(],"context":{"encounter":[)" + ref("Encounter", enc) +
            R"(]},"content":[{"attachment":{"contentType":"application/pdf","url":"Binary/big-bin-)" +
            k + R"("}}])");
    add(doc, "Binary", "big-bin-" + k,
        R"(,"contentType":"application/pdf","data":"JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK")");
    add(doc, "Task", "big-task-" + k,
        R"(,"status":"requested","intent":"order","focus":)" +
            ref("DocumentReference", "big-dr-" + k) + R"(,"for":)" + ref("Patient", pat));
    for (const char* destination : {"dmp", "patient"}) {
      sub.deliveries.push_back({"big-" + k + "-" + destination, doc, destination, "bench",
                                store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
    }
  }
  return sub;
}

store::Submission smallSubmission() {
  store::Submission sub;
  sub.clientId = "c-small";
  sub.recordId = "small";
  store::NewRecord record;
  record.requestHash = "h-small";
  record.body = "{}";
  record.outcome = "{}";
  record.practitionerRpps = "10000000002";
  record.encounterYear = 2026;
  sub.record = record;
  sub.documents.push_back({"small-doc", std::nullopt, "report", "dh", "{}", "{}"});
  sub.resources.push_back(
      {std::nullopt, "Patient", "small-patient", 1, R"({"resourceType":"Patient"})"});
  sub.resources.push_back({"small-doc", "DocumentReference", "small-dr", 1,
                           R"({"resourceType":"DocumentReference","status":"current"})"});
  sub.deliveries.push_back({"small-d", "small-doc", "dmp", "bench", store::DeliveryStatus::kPending,
                            std::nullopt, std::nullopt});
  return sub;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10000;
  int samples = 200;
  bool legacy = false;
  bool keep = false;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--legacy") == 0) {
      legacy = true;
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else if (positional++ == 0) {
      n = std::atoi(argv[i]);
    } else {
      samples = std::atoi(argv[i]);
    }
  }
  if (n < 1 || samples < 1) {
    std::fprintf(stderr, "usage: delivery_bench [N>=1] [samples>=1] [--legacy]\n");
    return 2;
  }

  testsupport::TempDir dir("fhirgw-delivery-bench");
  int rc = 0;
  {
    common::ManualClock clock(common::SystemClock::instance().now());
    store::StoreOptions options;
    options.dataDir = dir.str();
    auto opened = store::openStore(options, clock);
    if (!opened) {
      std::fprintf(stderr, "store: %s\n", opened.error().toString().c_str());
      return 1;
    }
    store::Store& db = **opened;
    for (const char* client : {"c-big", "c-small"}) {
      if (auto s = db.createClient(
              {client, client, store::ClientRole::kEditor, {}},
              store::NewApiKey{std::string("k-") + client, common::hashSecret("bench-secret")});
          !s.isOk()) {
        std::fprintf(stderr, "client: %s\n", s.toString().c_str());
        return 1;
      }
    }
    const auto commitStart = std::chrono::steady_clock::now();
    if (auto s = db.commitSubmission(bigSubmission(n)); !s.isOk()) {
      std::fprintf(stderr, "commit: %s\n", s.toString().c_str());
      return 1;
    }
    const double commitMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - commitStart)
            .count();
    clock.advance(std::chrono::seconds(1));
    if (auto s = db.commitSubmission(smallSubmission()); !s.isOk()) {
      std::fprintf(stderr, "commit: %s\n", s.toString().c_str());
      return 1;
    }
    std::printf("record: %d documents, %d FHIR rows, %d deliveries (+1 of another client)\n", n,
                10 + 3 * n, 2 * n + 1);
    std::printf("%-44s %10.1f ms\n", "commit of the record", commitMs);
    std::printf("%-44s %10ld KiB\n", "peak RSS after the commit", peakRssKb());

    // Payload build per delivery: the store read and makeDeliveryPayload, spread over the record.
    std::vector<store::Delivery> deliveries;
    for (int i = 0; i < samples; ++i) {
      const std::string k =
          std::to_string(100000 + static_cast<int>(static_cast<long>(i) * n / samples));
      auto d = db.getDelivery("big-" + k + "-dmp");
      if (!d) {
        std::fprintf(stderr, "delivery: %s\n", d.error().toString().c_str());
        return 1;
      }
      deliveries.push_back(*d);
    }
    resetPeak();
    const long rssBefore = statusKb("VmRSS:");
    std::size_t next = 0;
    std::size_t resources = 0;
    const auto build = [&] {
      const store::Delivery& d = deliveries[next++ % deliveries.size()];
      auto rows = legacy ? db.listRecordFhirResources(d.recordId)
                         : db.listPayloadFhirResources(d.recordId, d.documentId);
      if (!rows) std::abort();
      auto payload = connectors::makeDeliveryPayload(d, *rows);
      if (!payload) std::abort();
      resources = payload->resources.size();
    };
    const int runs = legacy ? std::min(samples, 30) : samples;
    print(legacy ? "payload build per delivery (legacy)" : "payload build per delivery",
          bench::measure(runs, build));
    std::printf("%-44s %10zu\n", "resources in a document payload", resources);
    std::printf("%-44s %10ld KiB\n", "RSS before the payload builds", rssBefore);
    std::printf("%-44s %10ld KiB\n", "peak RSS during the payload builds", statusKb("VmHWM:"));

    // The fair claim: the other client's delivery, queued after the whole record, is leased in
    // the first round; and what a claim costs with 2N+1 deliveries due.
    int position = 0;
    for (int i = 1; i <= 4 && position == 0; ++i) {
      auto claimed = db.claimDeliveries({"bench", "bench", std::chrono::minutes(5), 1});
      if (!claimed || claimed->empty()) std::abort();
      if ((*claimed)[0].id == "small-d") position = i;
    }
    std::printf("%-44s %10d\n", "claims until the other client's delivery", position);
    print("claim (fair pick, 2N deliveries due)", bench::measure(50, [&] {
            auto claimed = db.claimDeliveries({"bench", "bench", std::chrono::minutes(5), 1});
            if (!claimed || claimed->empty()) std::abort();
          }));
    if (position == 0) rc = 1;
  }
  if (keep) {
    dir.keep();
    std::printf("database kept in %s\n", dir.str().c_str());
  }
  return rc;
}
