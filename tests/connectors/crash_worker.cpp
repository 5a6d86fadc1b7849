// Child process of the delivery crash test (delivery_crash_test.cpp).
//
//   connectors_crash_worker ingest DATA_DIR OUT_DIR
//     runs the delivery engine with a `file` connector writing to OUT_DIR and, meanwhile, commits
//     records one after the other, each with one pending delivery, printing "ack <delivery id>"
//     only once the commit returned (what the gateway would answer 201 for). Runs until killed.
//   connectors_crash_worker drain DATA_DIR OUT_DIR
//     restarts the engine on the same store (start-up recovery), waits until no delivery of the
//     connector is left to send, prints "drained" and exits 0 (1 after a minute).

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <string>

#include "connectors_test_support.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace std::chrono_literals;

namespace {

bool somethingLeft(store::Store& db) {
  auto depths = db.deliveryQueueDepths();
  if (!depths) return true;
  for (const auto& d : *depths) {
    if (d.connectorId != "out") continue;
    if (d.status == store::DeliveryStatus::kPending || d.status == store::DeliveryStatus::kFailed ||
        d.status == store::DeliveryStatus::kInFlight) {
      if (d.count > 0) return true;
    }
  }
  return false;
}

store::Submission submission(int index) {
  connectors::testsupport::SampleIds ids;
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(index);
  ids.recordId = "rec-" + tag;
  ids.documentId = "doc-" + tag;
  ids.otherDocumentId = "doc-2-" + tag;
  for (std::string* id : {&ids.patient, &ids.practitioner, &ids.organization, &ids.encounter,
                          &ids.chargeItem, &ids.provenance, &ids.auditEvent, &ids.documentReference,
                          &ids.binary, &ids.otherDocumentReference}) {
    *id = common::deterministicUuid({tag, *id});
  }
  store::Submission sub = connectors::testsupport::sampleSubmission(ids, "h-" + tag);
  sub.deliveries.push_back({common::newUuid(), ids.documentId, "dmp", "out",
                            store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
  return sub;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: connectors_crash_worker ingest|drain DATA_DIR OUT_DIR\n";
    return 2;
  }
  const std::string mode = argv[1];
  store::StoreOptions options;
  options.dataDir = argv[2];
  auto opened = store::openStore(options);
  if (!opened) {
    std::cerr << opened.error().toString() << "\n";
    return 1;
  }
  store::Store& db = **opened;
  // The client may exist from the first run.
  (void)db.createClient({"c-1", "c-1", store::ClientRole::kEditor, {}},
                        fhirgw::testsupport::newStoredKey());

  ConnectorRegistry registry;
  registerAll(registry);
  auto configs = parseConnectorInstances(
      R"([{"id":"out","type":"file","routes":["dmp"],"workers":2,"options":{"directory":")" +
      std::string(argv[3]) + R"("}}])");
  auto created = configs ? createConnectors(registry, *configs, {}) : configs.error();
  if (!created) {
    std::cerr << created.error().toString() << "\n";
    return 1;
  }
  EngineOptions engineOptions;
  engineOptions.instanceId = "crash-test";  // the same on restart: own claims recovered at once
  engineOptions.idlePoll = 20ms;
  DeliveryEngine engine(db, common::SystemClock::instance(), engineOptions);
  for (auto& i : *created) (void)engine.add(i.config, i.connector);
  std::mutex mutex;
  std::condition_variable progressed;
  std::uint64_t attempts = 0;
  std::uint64_t seen = 0;
  engine.setObserver([&](const AttemptReport&) {
    {
      std::lock_guard lock(mutex);
      ++attempts;
    }
    progressed.notify_all();
  });
  if (auto s = engine.start(); !s.isOk()) {
    std::cerr << s.toString() << "\n";
    return 1;
  }

  if (mode == "ingest") {
    for (int i = 0;; ++i) {
      store::Submission sub = submission(i);
      if (!db.commitSubmission(sub).isOk()) continue;
      std::cout << "ack " << sub.deliveries.front().id << std::endl;  // flushed: acknowledged
      engine.wake();
    }
  }
  // Looks again after each finished attempt (and now and then, for safety).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (somethingLeft(db)) {
    if (std::chrono::steady_clock::now() > deadline) return 1;
    std::unique_lock lock(mutex);
    progressed.wait_for(lock, 200ms, [&] { return attempts != seen; });
    seen = attempts;
  }
  engine.stop(5s);
  std::cout << "drained" << std::endl;
  return 0;
}
