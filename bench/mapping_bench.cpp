// Median time to map the full example teleconsultation (examples/teleconsultation-full.json:
// record, report, prescription with PDF, sick-leave notice) to FHIR R4 resources and validate
// each of them, which is what a create request pays after the rules; plus the Bundle build and,
// before all that, reading the body (parseJson, then the body parser).
//
//   mapping_bench [body.json] [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using fhirgw::bench::measure;

void print(const char* what, const fhirgw::bench::Stats& s) { fhirgw::bench::print(what, s, 40); }

}  // namespace

int main(int argc, char** argv) {
  using namespace fhirgw;
  const std::string path = argc > 1 ? argv[1] : FHIRGW_BENCH_BODY;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 2000;
  const std::string text = testsupport::readFile(path);
  auto body = common::parseJson(text);
  if (!body) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), body.error().toString().c_str());
    return 1;
  }
  const domain::TeleconsultationParse parsed = domain::parseTeleconsultation(*body);
  common::ManualClock clock(common::SystemClock::instance().now());
  const rules::RuleEngine engine({}, clock, nullptr);
  auto outcome = engine.evaluate(parsed.record);
  if (parsed.malformed() || !outcome || outcome->hasErrors()) {
    std::fprintf(stderr, "%s: not an accepted record\n", path.c_str());
    return 1;
  }
  // As the gateway's submission service hands the rules' conclusions to the mapper.
  const auto flagsOf = [](const rules::RuleOutcome& o) {
    return mapping::MappingFlags{o.hasErrors(), o.insQualified, o.notReimbursable,
                                 o.notReimbursableReasons};
  };
  const fhir::Validator validator = fhir::makeFrCoreValidator();
  const mapping::FhirMapper mapper(validator);
  mapping::MappingContext ctx{"bench-client", "bench-record", clock.now(), {}};
  for (std::size_t i = 0; i < parsed.record.documents.size(); ++i) {
    ctx.documentIds.push_back("doc-" + std::to_string(i));
  }
  auto mapped = mapper.mapTeleconsultation(parsed.record, flagsOf(*outcome), ctx);
  if (!mapped) {
    std::fprintf(stderr, "mapping failed: %s\n", mapped.error().toString().c_str());
    return 1;
  }
  std::size_t bytes = 0;
  for (const auto& r : mapped->resources) bytes += r.json.size();
  std::printf("%s: %zu documents -> %zu resources, %zu bytes of FHIR JSON, %d runs\n", path.c_str(),
              parsed.record.documents.size(), mapped->resources.size(), bytes, runs);
  std::printf(
      "method: steady_clock around each call, %d runs after %d warm-up runs, one thread; "
      "median, p90 and min in microseconds\n",
      runs, runs / 10 + 1);

  std::size_t sink = 0;  // keeps the work observable
  print("parse JSON + read the body", measure(runs, [&] {
          auto doc = common::parseJson(text);
          sink += doc ? domain::parseTeleconsultation(*doc).record.documents.size() : 0;
        }));
  print("parse JSON (JsonDocument)", measure(runs, [&] {
          auto doc = common::parseJson(text);
          sink += doc ? 1 : 0;
        }));
  print("parse JSON into the tree (Json::parse)", measure(runs, [&] {
          auto json = common::Json::parse(text);
          sink += json ? 1 : 0;
        }));
  const common::Json tree = common::Json::fromDocument(*body, body->root());
  print("read the body from the tree", measure(runs, [&] {
          sink += domain::parseTeleconsultation(tree).record.documents.size();
        }));
  print("map + validate every resource", measure(runs, [&] {
          auto r = mapper.mapTeleconsultation(parsed.record, flagsOf(*outcome), ctx);
          sink += r ? r->resources.size() : 0;
        }));
  print("rules + map + validate", measure(runs, [&] {
          auto o = engine.evaluate(parsed.record);
          auto r = mapper.mapTeleconsultation(parsed.record, flagsOf(*o), ctx);
          sink += r ? r->resources.size() : 0;
        }));
  print("bundle (fullUrl base, resources as is)", measure(runs, [&] {
          auto b = mapping::makeBundle(mapped->resources,
                                       {"b", "https://gateway.example.fr/fhir", clock.now()});
          sink += b ? b->size() : 0;
        }));
  print("bundle (urn:uuid, references rewritten)", measure(runs, [&] {
          auto b = mapping::makeBundle(mapped->resources, {"b", "", clock.now()});
          sink += b ? b->size() : 0;
        }));
  return sink == static_cast<std::size_t>(-1) ? 1 : 0;
}
