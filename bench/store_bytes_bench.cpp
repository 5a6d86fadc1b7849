// Store bytes per record of the full example (issue 15, target under 20 KB): N records accepted
// through the real submission path (SubmissionService: rules, mapping, validation, packing, the
// group commit, the request's audit row), each the full example under unique externalIds (the
// record's and its three documents', as bench/post_teleconsultation.lua makes them), routed as
// scripts/bench.sh routes them (one connector for DMP, treating physician, patient and encounter:
// 7 deliveries per record), then every delivery claimed and finished as delivered (one attempt
// each). After the store is closed (the WAL checkpointed), it prints the bytes in use per record,
// `(page_count - freelist_count) * page_size / records` as scripts/bench.sh computes them, and per
// table and index from SQLite's `dbstat`.
//
//   store_bytes_bench [records=500] [--keep]
//
// The figures depend on the code, not on the machine's load: no timing is printed.
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "bench_records.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/gateway/service/route_snapshot.hpp"
#include "fhirgw/gateway/service/submission_service.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using namespace fhirgw;

constexpr const char* kClient = "11111111-1111-4111-8111-111111111111";
constexpr const char* kConnector = "sink";

// Every occurrence of the example's id becomes `id` (the record's and the documents' externalIds).
std::string withIds(std::string body, const std::string& id) {
  const std::string placeholder = "LGC-2026-000123";
  for (std::size_t at = body.find(placeholder); at != std::string::npos;
       at = body.find(placeholder, at + id.size())) {
    body.replace(at, placeholder.size(), id);
  }
  return body;
}

bool accept(const gateway::SubmissionService& service, const std::string& text,
            const std::string& id, common::TimePoint now) {
  auto body = common::parseJson(text);
  if (!body) {
    std::fprintf(stderr, "body: %s\n", body.error().toString().c_str());
    return false;
  }
  store::NewAuditEntry audit;
  audit.actor = kClient;
  audit.action = "teleconsultation.create";
  audit.requestId = common::sha256Hex(id).substr(0, 32);
  const gateway::SubmissionRequest request{kClient, audit.requestId, "", now, audit};
  const gateway::SubmissionResult result = service.acceptTeleconsultation(request, *body);
  if (result.status != gateway::SubmissionStatus::kAccepted) {
    std::fprintf(stderr, "record %s not accepted: %s\n", id.c_str(),
                 result.error.toString().c_str());
    return false;
  }
  return true;
}

// Claims every due delivery of the connector and finishes it as delivered, in batches of 64.
bool deliverAll(store::Store& db, const common::Clock& clock, std::int64_t& delivered) {
  for (;;) {
    auto claimed = db.claimDeliveries({kConnector, "bench", std::chrono::minutes(5), 64});
    if (!claimed) {
      std::fprintf(stderr, "claim: %s\n", claimed.error().toString().c_str());
      return false;
    }
    if (claimed->empty()) return true;
    std::vector<store::FinishedAttempt> results;
    for (const store::Delivery& d : *claimed)
      results.push_back(bench::deliveredAttempt(d, clock.now()));
    if (!bench::finishAll(db, results)) return false;
    delivered += static_cast<std::int64_t>(results.size());
  }
}

// Prints the bytes in use per record, then per table and index (dbstat), largest first.
bool report(const std::string& dbPath, std::int64_t records) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session s("SQLite", dbPath);
  using Poco::Data::Keywords::into;
  using Poco::Data::Keywords::now;
  Poco::Int64 pages = 0;
  Poco::Int64 free = 0;
  Poco::Int64 pageSize = 0;
  Poco::Int64 stored = 0;
  s << "PRAGMA page_count", into(pages), now;
  s << "PRAGMA freelist_count", into(free), now;
  s << "PRAGMA page_size", into(pageSize), now;
  s << "SELECT COUNT(*) FROM records", into(stored), now;
  if (stored != records) {
    std::fprintf(stderr, "%lld records stored, %lld accepted\n", static_cast<long long>(stored),
                 static_cast<long long>(records));
    return false;
  }
  std::printf("store: %lld records, %lld bytes in use: %lld bytes per record\n",
              static_cast<long long>(records), static_cast<long long>((pages - free) * pageSize),
              static_cast<long long>((pages - free) * pageSize / records));
  std::vector<std::string> names;
  std::vector<Poco::Int64> bytes;
  std::vector<Poco::Int64> payload;
  s << "SELECT name, SUM(pgsize), SUM(payload) FROM dbstat GROUP BY name ORDER BY 2 DESC",
      into(names), into(bytes), into(payload), now;
  std::printf("%-44s %10s %10s\n", "table or index", "bytes/rec", "payload/rec");
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (bytes[i] / records == 0) continue;
    std::printf("%-44s %10lld %10lld\n", names[i].c_str(),
                static_cast<long long>(bytes[i] / records),
                static_cast<long long>(payload[i] / records));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int total = 500;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      total = std::max(1, std::atoi(argv[i]));
    }
  }
  const auto example = testsupport::readFile(FHIRGW_BENCH_BODY);
  testsupport::TempDir dir("fhirgw-store-bytes-bench");
  if (keep) dir.keep();
  const std::string dbPath = dir.str() + "/gateway.db";
  std::int64_t delivered = 0;
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
    store::NewClient client;
    client.id = kClient;
    client.name = "bench";
    if (auto s = db.createClient(client,
                                 store::NewApiKey{"k-bench", common::hashSecret("bench-secret")});
        !s.isOk()) {
      std::fprintf(stderr, "client: %s\n", s.toString().c_str());
      return 1;
    }
    const gateway::StoreActivityHistory history(db);
    const rules::RuleEngine rules(rules::RuleConfig{}, clock, &history);
    const fhir::Validator validator = fhir::makeFrCoreValidator();
    const mapping::FhirMapper mapper(validator);
    connectors::ConnectorRoute route;
    route.connectorId = kConnector;
    route.destinations = {connectors::Destination::kDmp,
                          connectors::Destination::kTreatingPhysician,
                          connectors::Destination::kPatient, connectors::Destination::kEncounter};
    const gateway::SubmissionService service(gateway::SubmissionService::Deps{
        db, rules, mapper, gateway::SubmissionLimits{}, gateway::fixedRoutes({route}), {}});
    for (int i = 0; i < total; ++i) {
      const std::string id = "B0-1-" + std::to_string(i);
      clock.advance(std::chrono::milliseconds(3));
      if (!accept(service, withIds(example, id), id, clock.now())) return 1;
    }
    if (!deliverAll(db, clock, delivered)) return 1;
  }
  std::printf("%d records accepted, %lld deliveries delivered (%.1f per record)\n", total,
              static_cast<long long>(delivered),
              static_cast<double>(delivered) / static_cast<double>(total));
  if (keep) std::printf("database kept: %s\n", dbPath.c_str());
  return report(dbPath, total) ? 0 : 1;
}
