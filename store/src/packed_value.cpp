#include "packed_value.hpp"

#include <zlib.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace fhirgw::store::detail {

namespace {

// "\x1f" + format. "d2" (written): a raw deflate stream (RFC 1951, no zlib header) from the
// preset dictionary below, then the CRC-32 of the unpacked value (zlib's crc32, 4 bytes,
// big-endian), COBS-encoded. "d1" (read only, written until d2): a zlib stream (RFC 1950) from
// the same dictionary, COBS-encoded. d2 exists because zlib's own wrapper sums the whole 15 KB
// dictionary (Adler-32, the dictionary's id) at every deflateSetDictionary and
// inflateSetDictionary, i.e. for every value, which profiled at about 4 % of the gateway's CPU;
// the raw stream skips that and checks the value itself instead.
constexpr std::string_view kFormatD1 =
    "\x1f"
    "d1";
constexpr std::string_view kFormatD2 =
    "\x1f"
    "d2";
constexpr std::size_t kCheckBytes = 4;

// Compact JSON as the gateway stores it (FHIR resources of each type, request bodies, an
// answer): a value of a few hundred bytes finds most of its keys, codes and profile URLs there,
// so each row compresses alone about twice as well as without it. Frozen with the formats (d1 and
// d2 share it).
constexpr char kDictionaryD1[] =
#include "packing_dictionary_d1.inc"
    ;
constexpr std::string_view dictionary() { return {kDictionaryD1, sizeof kDictionaryD1 - 1}; }

// Level 3: the values are deflated on every submission's thread, where CPU is what limits
// ingest. Levels 1 to 4 cost the same CPU (measured when each value's stream was given the
// dictionary anew, which most of it was), level 3 packs the full example's values 11 % smaller
// than level 1, level 6 17 % but with 28 % more CPU (docs/performance.md, issue 15, "What packing
// costs").
constexpr int kLevel = 3;

// Raw deflate, 32 KiB window (the most a deflate stream can refer back, so any d2 stream inflates
// with it), default memory level.
constexpr int kRawWindowBits = -15;
constexpr int kZlibWindowBits = 15;  // d1
constexpr int kMemLevel = 8;

// A value larger than this once inflated is refused rather than allocated (a request body is
// capped far below it).
constexpr std::size_t kMaxPlainBytes = std::size_t{64} << 20;

std::uint32_t crc32Of(std::string_view s) {
  return static_cast<std::uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

void appendBigEndian(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t readBigEndian(std::string_view four) {
  std::uint32_t v = 0;
  for (const char c : four) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

common::Status corrupt(std::string_view why) {
  return common::Status(common::StatusCode::kDataLoss,
                        "store: a compressed value does not decode (" + std::string(why) + ")");
}

const Bytef* bytes(std::string_view s) { return reinterpret_cast<const Bytef*>(s.data()); }

// The blocks zlib asks for on one thread, kept for the next value instead of freed. deflateCopy
// allocates the same five blocks (about 256 KiB) for every value and deflateEnd frees them; given
// back to malloc, a thread's heap handed that memory back to the kernel (madvise) and the next
// value faulted it in again page by page, with TLB shoot-downs on the other core: three quarters
// of the gateway's CPU under ingest (docs/performance.md, "Packing: the blocks zlib asks for").
class BlockCache {
 public:
  BlockCache() = default;
  ~BlockCache() {
    for (std::size_t i = 0; i < count_; ++i) std::free(free_[i]);
  }
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  static voidpf allocate(voidpf cache, uInt items, uInt size) {
    return static_cast<BlockCache*>(cache)->take(std::size_t{items} * size);
  }
  static void release(voidpf cache, voidpf address) {
    static_cast<BlockCache*>(cache)->give(address);
  }

 private:
  // Each block starts with its size (zfree does not say it), the caller's part after it.
  static constexpr std::size_t kHeader = alignof(std::max_align_t);
  static constexpr std::size_t kKept = 16;  // a stream and its copy use 5 + 5

  void* take(std::size_t bytes) {
    for (std::size_t i = 0; i < count_; ++i) {
      if (sizeOf(free_[i]) == bytes) {
        void* block = free_[i];
        free_[i] = free_[--count_];
        return static_cast<char*>(block) + kHeader;
      }
    }
    void* block = std::malloc(kHeader + bytes);
    if (block == nullptr) return Z_NULL;
    std::memcpy(block, &bytes, sizeof bytes);
    return static_cast<char*>(block) + kHeader;
  }

  void give(void* address) {
    void* block = static_cast<char*>(address) - kHeader;
    if (count_ < kKept) {
      free_[count_++] = block;
    } else {
      std::free(block);
    }
  }

  static std::size_t sizeOf(const void* block) {
    std::size_t bytes = 0;
    std::memcpy(&bytes, block, sizeof bytes);
    return bytes;
  }

  std::array<void*, kKept> free_{};  // no allocation of its own: zlib's callbacks cannot throw
  std::size_t count_ = 0;
};

// One deflate stream per thread, given the dictionary once (primed) and copied for each value;
// one inflate stream per thread, reset for each value. Setting a stream up allocates and clears
// about 256 KiB, which took more time than deflating a resource; hashing the 15 KB dictionary
// into a reset stream (deflateSetDictionary) took three times as long as deflateCopy takes to
// copy the primed stream's state (docs/performance.md, "What packing costs"). The copies take
// their memory from the thread's BlockCache (deflateCopy allocates with the primed stream's
// allocator).
class Deflater {
 public:
  Deflater() noexcept {
    const std::string_view dict = dictionary();
    primed_.zalloc = &BlockCache::allocate;
    primed_.zfree = &BlockCache::release;
    primed_.opaque = &blocks_;
    ok_ = deflateInit2(&primed_, kLevel, Z_DEFLATED, kRawWindowBits, kMemLevel,
                       Z_DEFAULT_STRATEGY) == Z_OK;
    initialised_ = ok_;
    ok_ =
        ok_ && deflateSetDictionary(&primed_, bytes(dict), static_cast<uInt>(dict.size())) == Z_OK;
  }
  ~Deflater() {
    if (initialised_) deflateEnd(&primed_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  /// The raw deflate stream of plain from the dictionary, followed by plain's CRC-32 (d2).
  std::optional<std::string> deflated(std::string_view plain) {
    z_stream z{};
    if (!ok_ || deflateCopy(&z, &primed_) != Z_OK) return std::nullopt;
    const std::unique_ptr<z_stream, int (*)(z_streamp)> end(&z, deflateEnd);
    std::string out(deflateBound(&z, static_cast<uLong>(plain.size())) + kCheckBytes, '\0');
    // zlib's API is not const-correct: it only reads next_in.
    z.next_in = const_cast<Bytef*>(bytes(plain));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    z.avail_in = static_cast<uInt>(plain.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size() - kCheckBytes);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    out.resize(z.total_out);
    appendBigEndian(out, crc32Of(plain));
    return out;
  }

 private:
  BlockCache blocks_;  // declared first: the streams give their blocks back to it as they end
  z_stream primed_{};  // never deflates: only copied
  bool initialised_ = false;
  bool ok_ = false;
};

class Inflater {
 public:
  Inflater() noexcept { ok_ = inflateInit2(&z_, kRawWindowBits) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  /// The value of a d2 payload: raw deflate, then the value's CRC-32.
  common::Result<std::string> inflatedD2(std::string_view payload) {
    // Same window size either way, so switching between raw and zlib keeps the window.
    if (!ok_ || inflateReset2(&z_, kRawWindowBits) != Z_OK) {
      return common::internal("store: zlib inflate failed");
    }
    const std::string_view dict = dictionary();
    if (inflateSetDictionary(&z_, bytes(dict), static_cast<uInt>(dict.size())) != Z_OK) {
      return common::internal("store: zlib inflate failed");
    }
    auto plain = inflateAll(payload);
    if (!plain) return plain;
    // Z_STREAM_END leaves next_in just past the stream's last byte: the check must follow it.
    if (z_.avail_in != kCheckBytes) return corrupt("bad deflate stream");
    const std::string_view check = payload.substr(payload.size() - kCheckBytes);
    if (readBigEndian(check) != crc32Of(*plain)) return corrupt("bad check");
    return plain;
  }

  /// The value of a d1 payload: a zlib stream naming the dictionary, Adler-32 checked by zlib.
  common::Result<std::string> inflatedD1(std::string_view payload) {
    if (!ok_ || inflateReset2(&z_, kZlibWindowBits) != Z_OK) {
      return common::internal("store: zlib inflate failed");
    }
    auto plain = inflateAll(payload);
    if (plain && z_.avail_in != 0) return corrupt("bad deflate stream");
    return plain;
  }

 private:
  common::Result<std::string> inflateAll(std::string_view in) {
    z_.next_in = const_cast<Bytef*>(bytes(in));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    z_.avail_in = static_cast<uInt>(in.size());
    std::string plain;
    std::array<char, 16384> chunk{};
    int rc = Z_OK;
    while (rc == Z_OK) {
      z_.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z_.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_NEED_DICT) {
        // A d1 stream names its dictionary by Adler-32: zlib refuses any other than d1's.
        const std::string_view dict = dictionary();
        rc = inflateSetDictionary(&z_, bytes(dict), static_cast<uInt>(dict.size())) == Z_OK
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
    if (rc != Z_STREAM_END) return corrupt("bad deflate stream");
    return plain;
  }

  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

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

std::optional<std::string> packValue(std::string_view plain) {
  // Too short to gain anything once the format and the check are paid.
  if (plain.size() < 64) return std::nullopt;
  thread_local Deflater deflater;
  const std::optional<std::string> deflated = deflater.deflated(plain);
  if (!deflated) return std::nullopt;
  std::string packed(kFormatD2);
  packed += cobsEncode(*deflated);
  if (packed.size() >= plain.size()) return std::nullopt;
  return packed;
}

common::Result<std::string> unpackValue(std::string_view packed) {
  const bool d2 = packed.starts_with(kFormatD2);
  if (!d2 && !packed.starts_with(kFormatD1)) return corrupt("unknown format");
  std::string payload;
  if (!cobsDecode(packed.substr(kFormatD2.size()), payload)) return corrupt("bad framing");
  thread_local Inflater inflater;
  if (!d2) return inflater.inflatedD1(payload);
  if (payload.size() < kCheckBytes) return corrupt("too short");
  return inflater.inflatedD2(payload);
}

}  // namespace fhirgw::store::detail
