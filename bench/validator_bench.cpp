// Median time to validate a representative teleconsultation Bundle (14 resources, FR Core-like),
// parsed once and validated many times, and parsed + validated from text.
//
//   validator_bench [bundle.json] [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace {

using fhirgw::bench::measure;

void print(const char* what, const fhirgw::bench::Stats& s) { fhirgw::bench::print(what, s, 32); }

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : FHIRGW_BENCH_BUNDLE;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5000;
  const std::string text = fhirgw::testsupport::readFile(path);
  auto doc = fhirgw::common::parseJson(text);
  if (!doc) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), doc.error().toString().c_str());
    return 1;
  }

  fhirgw::fhir::Validator validator;
  fhirgw::fhir::registerFrCoreProfiles(validator);
  const auto issues = validator.validate(*doc);
  const auto entries = doc->root().HasMember("entry") ? doc->root()["entry"].Size() : 0U;
  std::printf("%s: %zu bytes, %u entries, %zu issues, %d runs\n", path.c_str(), text.size(),
              entries, issues.size(), runs);

  std::size_t sink = 0;  // keeps the work observable
  print("validate (parsed document)",
        measure(runs, [&] { sink += validator.validate(*doc).size(); }));
  print("parse + validate (text)", measure(runs, [&] {
          auto r = validator.validateText(text);
          sink += r ? r->size() : 1;
        }));
  print("parse only", measure(runs, [&] { sink += fhirgw::common::parseJson(text) ? 1 : 0; }));
  return sink == static_cast<std::size_t>(-1) ? 1 : 0;
}
