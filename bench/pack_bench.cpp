// What packing a record's values costs (issue 15, lean writes): the CPU time and the bytes of
// deflating, with the store's preset dictionary, the values one accepted full example stores —
// its 18 FHIR resources (the golden mapping tests/data/fhir/full-example), its request body in
// canonical form and its outcome — each value on its own, as the store packs them.
//
//   pack_bench [runs]
//
// Prints, per record (all 20 values): the store's own packValue and unpackValue (format d2), the
// unpacking of the same values in the earlier format d1, then plain zlib at levels 1 to 6 with
// and without the dictionary (the same loop the store runs: one z_stream, reset and given the
// dictionary for each value), zlib-wrapped (d1's stream, which sums the dictionary with Adler-32
// at each value) and raw (d2's) with memory levels 6 to 9, and the two checksums d2 could take,
// so a change of level, dictionary or stream is weighed by one run. Release build, quiet machine;
// the figures of docs/performance.md name theirs.
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

// Deflates one value with a stream made ready for it into out; returns the compressed bytes.
std::size_t deflateOne(z_stream& z, const std::string& value, std::vector<unsigned char>& out) {
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(value.data()));
  z.avail_in = static_cast<uInt>(value.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  return out.size() - z.avail_out;
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
    total += deflateOne(z, v, out);
  }
  return total;
}

/// A raw deflate stream at the store's level 3 given the dictionary once (what the store copies
/// for each value).
bool primeRawStream(z_stream& z, int memLevel) {
  return deflateInit2(&z, 3, Z_DEFLATED, -15, memLevel, Z_DEFAULT_STRATEGY) == Z_OK &&
         deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionaryD1),
                              sizeof kDictionaryD1 - 1) == Z_OK;
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

  // The same values in format d1 (a zlib stream, COBS-encoded), as rows written before d2 are.
  std::vector<std::string> packedD1;
  {
    z_stream z{};
    if (deflateInit(&z, 3) != Z_OK) return 1;
    std::vector<unsigned char> one(1 << 20);
    for (const auto& v : values) {
      std::vector<std::string> single{v};
      const std::size_t n = deflateAll(z, single, true, one);
      std::string d1 =
          "\x1f"
          "d1";
      d1 +=
          store::detail::cobsEncode(std::string_view(reinterpret_cast<const char*>(one.data()), n));
      if (d1.size() < v.size()) packedD1.push_back(std::move(d1));
    }
    deflateEnd(&z);
  }
  const auto unpackD1 = bench::measure(runs, [&] {
    for (const auto& p : packedD1) {
      if (!store::detail::unpackValue(p)) std::abort();
    }
  });
  std::printf("store unpackValue, the same values in d1 (%2zu)       ", packedD1.size());
  bench::print("", unpackD1, 0);

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
  // d2's stream: raw deflate (no header, no Adler-32 of the dictionary or the value) at the
  // store's level; the memory level sizes the hash table that each reset clears.
  for (int memLevel = 6; memLevel <= 9; ++memLevel) {
    z_stream z{};
    if (deflateInit2(&z, 3, Z_DEFLATED, -15, memLevel, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
    std::size_t bytes = 0;
    const auto s = bench::measure(runs, [&] { bytes = deflateAll(z, values, true, out); });
    deflateEnd(&z);
    std::printf("raw level 3, dictionary, memLevel %d (%6zu bytes)    ", memLevel, bytes);
    bench::print("", s, 0);
  }
  // The same raw stream, but each value deflated by a copy of one stream primed with the
  // dictionary once (deflateCopy allocates and copies the primed state; deflateEnd frees it).
  for (const int memLevel : {8, 6}) {
    z_stream primed{};
    if (!primeRawStream(primed, memLevel)) return 1;
    std::size_t bytes = 0;
    const auto s = bench::measure(runs, [&] {
      bytes = 0;
      for (const std::string& v : values) {
        z_stream z{};
        if (deflateCopy(&z, &primed) != Z_OK) std::abort();
        bytes += deflateOne(z, v, out);
        deflateEnd(&z);
      }
    });
    deflateEnd(&primed);
    std::printf("raw level 3, primed copy, memLevel %d (%6zu bytes)   ", memLevel, bytes);
    bench::print("", s, 0);
  }
  // What setting the dictionary alone costs, 20 times (once per value): reset and set, no data.
  for (const int windowBits : {15, -15}) {
    z_stream z{};
    if (deflateInit2(&z, 3, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
    const auto s = bench::measure(runs, [&] {
      for (std::size_t i = 0; i < values.size(); ++i) {
        deflateReset(&z);
        deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionaryD1),
                             sizeof kDictionaryD1 - 1);
      }
    });
    deflateEnd(&z);
    std::printf("deflateReset + SetDictionary x20, %-4s             ",
                windowBits > 0 ? "zlib" : "raw");
    bench::print("", s, 0);
  }
  // The alternative: one raw stream primed with the dictionary once, copied for each value (what
  // deflateCopy allocates and copies, then frees).
  for (const int memLevel : {8, 6}) {
    z_stream primed{};
    if (!primeRawStream(primed, memLevel)) return 1;
    const auto s = bench::measure(runs, [&] {
      for (std::size_t i = 0; i < values.size(); ++i) {
        z_stream copy{};
        if (deflateCopy(&copy, &primed) != Z_OK) std::abort();
        deflateEnd(&copy);
      }
    });
    deflateEnd(&primed);
    std::printf("deflateCopy of a primed raw stream x20, memLevel %d  ", memLevel);
    bench::print("", s, 0);
  }
  for (const int windowBits : {15, -15}) {
    z_stream z{};
    if (inflateInit2(&z, windowBits) != Z_OK) return 1;
    // A zlib stream takes its dictionary only once its header asked for it (Z_NEED_DICT).
    std::vector<unsigned char> header(64);
    if (windowBits > 0) {
      z_stream d{};
      if (deflateInit(&d, 3) != Z_OK) return 1;
      std::vector<std::string> one{values.front()};
      std::vector<unsigned char> full(1 << 16);
      deflateAll(d, one, true, full);
      deflateEnd(&d);
      std::copy_n(full.begin(), header.size(), header.begin());
    }
    std::vector<unsigned char> sinkOut(64);
    const auto s = bench::measure(runs, [&] {
      for (std::size_t i = 0; i < values.size(); ++i) {
        inflateReset(&z);
        if (windowBits > 0) {
          z.next_in = header.data();
          z.avail_in = 6;  // CMF, FLG and DICTID
          z.next_out = sinkOut.data();
          z.avail_out = static_cast<uInt>(sinkOut.size());
          if (inflate(&z, Z_NO_FLUSH) != Z_NEED_DICT) std::abort();
        }
        if (inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionaryD1),
                                 sizeof kDictionaryD1 - 1) != Z_OK) {
          std::abort();
        }
      }
    });
    inflateEnd(&z);
    std::printf("inflateReset + SetDictionary x20, %-4s             ",
                windowBits > 0 ? "zlib" : "raw");
    bench::print("", s, 0);
  }
  // The check d2 adds: one checksum of each value.
  unsigned long sink = 0;
  const auto crc = bench::measure(runs, [&] {
    for (const auto& v : values) {
      sink += crc32_z(0, reinterpret_cast<const Bytef*>(v.data()), v.size());
    }
  });
  std::printf("crc32 of every value                               ");
  bench::print("", crc, 0);
  const auto adler = bench::measure(runs, [&] {
    for (const auto& v : values) {
      sink += adler32_z(1, reinterpret_cast<const Bytef*>(v.data()), v.size());
    }
  });
  std::printf("adler32 of every value                             ");
  bench::print("", adler, 0);
  return sink == 0 ? 1 : 0;
}
