// The CPU one delivery of the full example costs the delivery engine before the network (issue
// 15): examples/teleconsultation-full.json is mapped once, its FHIR resources become the stored
// rows of one record with 3 documents and 7 deliveries (DMP and patient per document, and the
// encounter), then for each delivery what the engine and a connector do before sending: the
// payload (makeDeliveryPayload: select the resources, follow their references), the bundle, its
// validation and the text sent. fhir-rest (the transaction Bundle, the connector of
// scripts/bench.sh) for the 7 deliveries, mhd (the ITI-65 Provide Bundle) for the 6 document ones;
// the deliveries of the record share their parsed resources as in one claim of the engine that
// holds all seven (the best case: the fair claim spreads a backlog's picks over records).
//
//   payload_bench [runs=2000]            medians of each phase, per record (7 deliveries)
//   payload_bench --fhir-rest N          N records through the fhir-rest path, nothing printed
//                                        but a checksum: for callgrind --toggle-collect='*onePass*'
//   payload_bench --fhir-rest-apart N    the same, each delivery alone (nothing shared: a
//                                        backlog's drain, whose claims hold one per record)
//   payload_bench --write DIR            writes each delivery's bundles to DIR
//   (fhir-rest-<id>.json,
//                                        mhd-<id>.json): compare two builds byte for byte
//
// Release build, quiet machine; instruction counts (callgrind) are the figures to compare on a
// shared one.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "connector_support.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/formats/provide_bundle.hpp"
#include "fhirgw/connectors/formats/transaction_bundle.hpp"
#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using namespace fhirgw;
using bench::measure;

void print(const char* what, const bench::Stats& s) { bench::print(what, s, 46); }

struct Record {
  std::vector<store::FhirResource> rows;
  std::vector<store::Delivery> deliveries;
};

// The full example mapped as the submission service maps it, as stored rows and deliveries.
Record fullExampleRecord(const std::string& path, const fhir::Validator& validator) {
  const std::string text = testsupport::readFile(path);
  auto body = common::parseJson(text);
  if (!body) throw std::runtime_error(path + ": " + body.error().toString());
  const domain::TeleconsultationParse parsed = domain::parseTeleconsultation(*body);
  // A fixed instant (2026-11-26T12:00:00Z): the same bundles from run to run, for --write.
  common::ManualClock clock(common::TimePoint(std::chrono::seconds(1'795'694'400)));
  const rules::RuleEngine engine({}, clock, nullptr);
  auto outcome = engine.evaluate(parsed.record);
  if (parsed.malformed() || !outcome || outcome->hasErrors()) {
    throw std::runtime_error(path + ": not an accepted record");
  }
  const mapping::FhirMapper mapper(validator);
  mapping::MappingContext ctx{"bench-client", "bench-record", clock.now(), {}};
  for (std::size_t i = 0; i < parsed.record.documents.size(); ++i) {
    ctx.documentIds.push_back("doc-" + std::to_string(i));
  }
  auto mapped =
      mapper.mapTeleconsultation(parsed.record,
                                 {outcome->hasErrors(), outcome->insQualified,
                                  outcome->notReimbursable, outcome->notReimbursableReasons},
                                 ctx);
  if (!mapped) throw std::runtime_error("mapping failed: " + mapped.error().toString());
  Record record;
  for (const mapping::MappedResource& r : mapped->resources) {
    record.rows.push_back({"bench-record", r.documentId, r.resourceType, r.id, 1, r.json});
  }
  const auto delivery = [&](std::string id, std::optional<std::string> doc, std::string to) {
    store::Delivery d;
    d.id = std::move(id);
    d.recordId = "bench-record";
    d.documentId = std::move(doc);
    d.destination = std::move(to);
    d.connectorId = "sink";
    d.createdAt = clock.now();
    record.deliveries.push_back(std::move(d));
  };
  for (const std::string& doc : ctx.documentIds) {
    delivery("d-" + doc + "-dmp", doc, "dmp");
    delivery("d-" + doc + "-patient", doc, "patient");
  }
  delivery("d-encounter", std::nullopt, "encounter");
  return record;
}

// The rows the store gives a delivery (listPayloadFhirResources): record-level and its own
// document's.
std::vector<store::FhirResource> rowsFor(const Record& record, const store::Delivery& d) {
  std::vector<store::FhirResource> out;
  for (const store::FhirResource& r : record.rows) {
    if (!r.documentId || r.documentId == d.documentId) out.push_back(r);
  }
  return out;
}

// One delivery through the fhir-rest connector's steps before the network: payload, transaction
// Bundle, validation, the text. Its size, for a checksum.
std::size_t fhirRestDelivery(const store::Delivery& d, const std::vector<store::FhirResource>& rows,
                             const fhir::Validator& validator,
                             connectors::ParsedResourceCache* trees) {
  auto payload = connectors::makeDeliveryPayload(d, rows, trees);
  if (!payload) throw std::runtime_error("payload: " + payload.error().toString());
  auto bundle = connectors::buildTransactionBundleTree(*payload);
  if (!bundle) throw std::runtime_error("bundle: " + bundle.error().toString());
  if (auto refused = connectors::detail::validateBundle(&validator, *bundle)) {
    throw std::runtime_error("validation: " + refused->message);
  }
  return bundle->serialize().size();
}

// One record's deliveries through the fhir-rest path; named for callgrind's --toggle-collect.
__attribute__((noinline)) std::size_t onePass(
    const Record& record, const std::vector<std::vector<store::FhirResource>>& rows,
    const fhir::Validator& validator, bool shared) {
  std::size_t bytes = 0;
  // The record's deliveries claimed together, as the engine shares their parsed resources; or
  // apart (each in a claim of its own: no cache, as the engine for a record with one delivery
  // in the claim).
  connectors::ParsedResourceCache trees;
  for (std::size_t i = 0; i < record.deliveries.size(); ++i) {
    bytes += fhirRestDelivery(record.deliveries[i], rows[i], validator, shared ? &trees : nullptr);
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  const fhir::Validator validator = fhir::makeFrCoreValidator();
  const Record record = fullExampleRecord(FHIRGW_BENCH_BODY, validator);
  std::vector<std::vector<store::FhirResource>> rows;
  for (const store::Delivery& d : record.deliveries) rows.push_back(rowsFor(record, d));

  const bool apart = argc > 2 && std::strcmp(argv[1], "--fhir-rest-apart") == 0;
  if (apart || (argc > 2 && std::strcmp(argv[1], "--fhir-rest") == 0)) {
    std::size_t bytes = 0;
    for (int i = 0; i < std::atoi(argv[2]); ++i) bytes += onePass(record, rows, validator, !apart);
    std::printf("%zu bytes\n", bytes);
    return 0;
  }
  if (argc > 2 && std::strcmp(argv[1], "--write") == 0) {
    for (std::size_t i = 0; i < record.deliveries.size(); ++i) {
      const store::Delivery& d = record.deliveries[i];
      auto payload = connectors::makeDeliveryPayload(d, rows[i]);
      std::ofstream(std::string(argv[2]) + "/fhir-rest-" + d.id + ".json")
          << *connectors::buildTransactionBundle(*payload);
      if (d.documentId) {
        std::ofstream(std::string(argv[2]) + "/mhd-" + d.id + ".json")
            << *connectors::buildProvideBundle(*payload, {"1.2.250.1.999.1"});
      }
    }
    return 0;
  }
  const int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::size_t stored = 0;
  for (const store::FhirResource& r : record.rows) stored += r.json.size();
  std::printf("%s: %zu stored resources (%zu bytes), %zu deliveries, %d runs\n", FHIRGW_BENCH_BODY,
              record.rows.size(), stored, record.deliveries.size(), runs);
  std::printf(
      "method: steady_clock around each pass over the record's deliveries, %d runs after %d "
      "warm-up runs, one thread; median, p90 and min in microseconds per record\n",
      runs, runs / 10 + 1);

  const std::size_t n = record.deliveries.size();
  std::size_t sink = 0;
  std::vector<connectors::DeliveryPayload> payloads;
  for (std::size_t i = 0; i < n; ++i) {
    payloads.push_back(*connectors::makeDeliveryPayload(record.deliveries[i], rows[i]));
  }
  std::vector<common::Json> bundles;
  for (const auto& p : payloads) bundles.push_back(*connectors::buildTransactionBundleTree(p));

  print("payloads (makeDeliveryPayload), 7", measure(runs, [&] {
          connectors::ParsedResourceCache trees;  // one claim
          for (std::size_t i = 0; i < n; ++i) {
            sink += connectors::makeDeliveryPayload(record.deliveries[i], rows[i], &trees)
                        ->resources.size();
          }
        }));
  print("fhir-rest bundles (transaction, text), 7", measure(runs, [&] {
          for (const auto& p : payloads) sink += connectors::buildTransactionBundle(p)->size();
        }));
  print("fhir-rest validation of the bundles, 7", measure(runs, [&] {
          for (const common::Json& b : bundles) {
            sink += connectors::detail::validateBundle(&validator, b) ? 1 : 0;
          }
        }));
  print("fhir-rest path (payload+bundle+validation), 7",
        measure(runs, [&] { sink += onePass(record, rows, validator, true); }));
  print("mhd path (payload+bundle+validation), 6", measure(runs, [&] {
          connectors::ParsedResourceCache trees;  // one claim
          for (std::size_t i = 0; i < n; ++i) {
            if (!record.deliveries[i].documentId) continue;
            auto payload = connectors::makeDeliveryPayload(record.deliveries[i], rows[i], &trees);
            auto bundle = connectors::buildProvideBundleTree(*payload, {"1.2.250.1.999.1"});
            if (connectors::detail::validateBundle(&validator, *bundle)) {
              throw std::runtime_error("the mhd bundle fails validation");
            }
            sink += bundle->serialize().size();
          }
        }));
  return sink == static_cast<std::size_t>(-1) ? 1 : 0;
}
