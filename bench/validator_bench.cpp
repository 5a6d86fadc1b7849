// Median time to validate a representative teleconsultation Bundle (14 resources, FR Core-like),
// parsed once and validated many times, and parsed + validated from text.
//
//   validator_bench [bundle.json] [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/validator.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double median;
  double p90;
  double min;
};

// Runs f `runs` times after a warm-up and returns microsecond statistics.
template <typename F>
Stats measure(int runs, F&& f) {
  for (int i = 0; i < runs / 10 + 1; ++i) f();
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 9 / 10], us.front()};
}

void print(const char* what, const Stats& s) {
  std::printf("%-32s median %8.1f us   p90 %8.1f us   min %8.1f us\n", what, s.median, s.p90,
              s.min);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : FHIRGW_BENCH_BUNDLE;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5000;
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
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
