#include "packed_value.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>

namespace fhirgw::store::detail {

namespace {

// "\x1f" + format: "d1" is a zlib stream (deflate, Adler-32 checked) with the preset dictionary
// below, COBS-encoded.
constexpr std::string_view kFormatD1 =
    "\x1f"
    "d1";

// Compact JSON as the gateway stores it (FHIR resources of each type, request bodies, an
// answer): a value of a few hundred bytes finds most of its keys, codes and profile URLs there,
// so each row compresses alone about twice as well as without it. Frozen with the format.
constexpr char kDictionaryD1[] =
#include "packing_dictionary_d1.inc"
    ;
constexpr std::string_view dictionaryD1() { return {kDictionaryD1, sizeof kDictionaryD1 - 1}; }

// Level 3: the values are deflated on every submission's thread, where CPU is what limits
// ingest. Levels 1 to 4 cost the same CPU here (most of it is zlib hashing the 15 KB dictionary
// into each stream), level 3 packs the full example's values 11 % smaller than level 1, level 6
// 17 % but with 28 % more CPU (docs/performance.md, issue 15, "What packing costs").
constexpr int kLevel = 3;

// A value larger than this once inflated is refused rather than allocated (a request body is
// capped far below it).
constexpr std::size_t kMaxPlainBytes = std::size_t{64} << 20;

// COBS (consistent overhead byte stuffing): no zero byte in the output, one byte more per 254.
std::string cobsEncode(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 254 + 2);
  std::size_t codeAt = out.size();
  out.push_back('\0');
  unsigned code = 1;
  const auto close = [&] {
    out[codeAt] = static_cast<char>(code);
    codeAt = out.size();
    out.push_back('\0');
    code = 1;
  };
  for (const char c : in) {
    if (c == '\0') {
      close();
      continue;
    }
    out.push_back(c);
    if (++code == 0xff) close();
  }
  out[codeAt] = static_cast<char>(code);
  return out;
}

bool cobsDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto code = static_cast<unsigned char>(in[i++]);
    if (code == 0 || i + code - 1 > in.size()) return false;
    out.append(in.substr(i, code - 1));
    i += code - 1;
    if (code != 0xff && i < in.size()) out.push_back('\0');
  }
  return true;
}

common::Status corrupt(std::string_view why) {
  return common::Status(common::StatusCode::kDataLoss,
                        "store: a compressed value does not decode (" + std::string(why) + ")");
}

const Bytef* bytes(std::string_view s) { return reinterpret_cast<const Bytef*>(s.data()); }

// One deflate and one inflate stream per thread, reset for each value: setting a stream up
// allocates and clears about 256 KiB, which took more time than deflating a resource.
class Deflater {
 public:
  Deflater() noexcept { ok_ = deflateInit(&z_, kLevel) == Z_OK; }
  ~Deflater() {
    if (ok_) deflateEnd(&z_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  std::optional<std::string> deflated(std::string_view plain) {
    const std::string_view dictionary = dictionaryD1();
    if (!ok_ || deflateReset(&z_) != Z_OK ||
        deflateSetDictionary(&z_, bytes(dictionary), static_cast<uInt>(dictionary.size())) !=
            Z_OK) {
      return std::nullopt;
    }
    std::string out(deflateBound(&z_, static_cast<uLong>(plain.size())), '\0');
    // zlib's API is not const-correct: it only reads next_in.
    z_.next_in = const_cast<Bytef*>(bytes(plain));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    z_.avail_in = static_cast<uInt>(plain.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z_, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    out.resize(z_.total_out);
    return out;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

class Inflater {
 public:
  Inflater() noexcept { ok_ = inflateInit(&z_) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  common::Result<std::string> inflated(std::string_view deflated) {
    if (!ok_ || inflateReset(&z_) != Z_OK) return common::internal("store: zlib inflate failed");
    z_.next_in =
        const_cast<Bytef*>(bytes(deflated));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    z_.avail_in = static_cast<uInt>(deflated.size());
    std::string plain;
    std::array<char, 16384> chunk{};
    int rc = Z_OK;
    while (rc == Z_OK) {
      z_.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z_.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_NEED_DICT) {
        // The stream names its dictionary by Adler-32: zlib refuses any other than d1's.
        const std::string_view dictionary = dictionaryD1();
        rc = inflateSetDictionary(&z_, bytes(dictionary), static_cast<uInt>(dictionary.size())) ==
                     Z_OK
                 ? Z_OK
                 : Z_DATA_ERROR;
        continue;
      }
      if (rc != Z_OK && rc != Z_STREAM_END) break;
      plain.append(chunk.data(), chunk.size() - z_.avail_out);
      if (plain.size() > kMaxPlainBytes) return corrupt("too large");
      // No progress possible: the input ended before the stream did.
      if (rc == Z_OK && z_.avail_in == 0 && z_.avail_out != 0) rc = Z_BUF_ERROR;
    }
    if (rc != Z_STREAM_END || z_.avail_in != 0) return corrupt("bad deflate stream");
    return plain;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

std::optional<std::string> packValue(std::string_view plain) {
  // Too short to gain anything once the zlib header and checksum are paid.
  if (plain.size() < 64) return std::nullopt;
  thread_local Deflater deflater;
  const std::optional<std::string> deflated = deflater.deflated(plain);
  if (!deflated) return std::nullopt;
  std::string packed(kFormatD1);
  packed += cobsEncode(*deflated);
  if (packed.size() >= plain.size()) return std::nullopt;
  return packed;
}

common::Result<std::string> unpackValue(std::string_view packed) {
  if (!packed.starts_with(kFormatD1)) return corrupt("unknown format");
  std::string deflated;
  if (!cobsDecode(packed.substr(kFormatD1.size()), deflated)) return corrupt("bad framing");
  thread_local Inflater inflater;
  return inflater.inflated(deflated);
}

}  // namespace fhirgw::store::detail
