// What packing a record's values costs (issue 15, lean writes): the CPU time and the bytes of
// deflating, with the store's preset dictionary, the values one accepted full example stores —
// its 18 FHIR resources (the golden mapping tests/data/fhir/full-example), its request body in
// canonical form and its outcome — each value on its own, as the store packs them.
//
//   pack_bench [runs]
//
// Prints, per record (all 20 values): the store's own packValue and unpackValue, then plain zlib
// at levels 1 to 6 with and without the dictionary (the same loop the store runs: one z_stream,
// reset and given the dictionary for each value), so a change of level or dictionary is weighed
// by one run. Release build, quiet machine; the figures of docs/performance.md name theirs.
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "packed_value.hpp"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace {

constexpr char kDictionaryD1[] =
#include "packing_dictionary_d1.inc"
    ;

std::string compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  value.Accept(writer);
  return {out.GetString(), out.GetSize()};
}

// Sorts object members by name, recursively (the canonical body the store keeps).
void sortKeys(rapidjson::Value& value) {
  if (value.IsArray()) {
    for (auto& item : value.GetArray()) sortKeys(item);
    return;
  }
  if (!value.IsObject()) return;
  for (auto& member : value.GetObject()) sortKeys(member.value);
  auto begin = value.MemberBegin();
  std::sort(begin, value.MemberEnd(), [](const auto& a, const auto& b) {
    return std::string_view(a.name.GetString(), a.name.GetStringLength()) <
           std::string_view(b.name.GetString(), b.name.GetStringLength());
  });
}

bool load(const std::string& path, rapidjson::Document& doc) {
  doc.Parse(fhirgw::testsupport::readFile(path).c_str());
  if (doc.HasParseError()) {
    std::fprintf(stderr, "%s: not JSON\n", path.c_str());
    return false;
  }
  return true;
}

// Deflates every value once, the store's way; returns the compressed bytes.
std::size_t deflateAll(z_stream& z, const std::vector<std::string>& values, bool dictionary,
                       std::vector<unsigned char>& out) {
  std::size_t total = 0;
  for (const std::string& v : values) {
    deflateReset(&z);
    if (dictionary) {
      deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionaryD1),
                           sizeof kDictionaryD1 - 1);
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(v.data()));
    z.avail_in = static_cast<uInt>(v.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    total += out.size() - z.avail_out;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fhirgw;
  const int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::string root = FHIRGW_BENCH_ROOT;
  rapidjson::Document bundle;
  rapidjson::Document body;
  rapidjson::Document outcome;
  if (!load(root + "/tests/data/fhir/full-example/expected.fhir.json", bundle) ||
      !load(root + "/examples/teleconsultation-full.json", body) ||
      !load(root + "/tests/data/fhir/full-example/expected.outcome.json", outcome)) {
    return 1;
  }
  std::vector<std::string> values;
  for (const auto& entry : bundle["entry"].GetArray()) values.push_back(compact(entry["resource"]));
  sortKeys(body);
  values.push_back(compact(body));
  values.push_back(compact(outcome));
  std::size_t plain = 0;
  for (const auto& v : values) plain += v.size();
  std::printf("%zu values, %zu bytes as compact JSON\n", values.size(), plain);

  std::vector<std::string> packed(values.size());
  std::size_t packedBytes = 0;
  const auto pack = bench::measure(runs, [&] {
    for (std::size_t i = 0; i < values.size(); ++i) {
      auto p = store::detail::packValue(values[i]);
      packed[i] = p ? std::move(*p) : values[i];
    }
  });
  for (const auto& p : packed) packedBytes += p.size();
  const auto unpack = bench::measure(runs, [&] {
    for (const auto& p : packed) {
      if (store::detail::isPacked(p) && !store::detail::unpackValue(p)) std::abort();
    }
  });
  std::printf("store packValue, all values (%zu bytes)          ", packedBytes);
  bench::print("", pack, 0);
  std::printf("store unpackValue, all values                      ");
  bench::print("", unpack, 0);

  std::vector<unsigned char> out(1 << 20);
  for (const bool dictionary : {true, false}) {
    for (int level = 1; level <= 6; ++level) {
      z_stream z{};
      if (deflateInit(&z, level) != Z_OK) return 1;
      std::size_t bytes = 0;
      const auto s = bench::measure(runs, [&] { bytes = deflateAll(z, values, dictionary, out); });
      deflateEnd(&z);
      std::printf("zlib level %d, %-13s (%6zu bytes)          ", level,
                  dictionary ? "dictionary" : "no dictionary", bytes);
      bench::print("", s, 0);
    }
  }
  return 0;
}
