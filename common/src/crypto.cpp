#include "fhirgw/common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace fhirgw::common {
namespace {

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL 3 looks an algorithm up in its providers on every use of EVP_sha256() (an implicit
// fetch, about half the cost of hashing a short text; deterministicUuid hashes one per mapped
// resource), so each digest is fetched once and kept for the life of the process.
const EVP_MD* fetched(const char* name, const EVP_MD* fallback) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md != nullptr ? md : fallback;
}

const EVP_MD* sha1Md() {
  static const EVP_MD* const md = fetched("SHA1", EVP_sha1());
  return md;
}

const EVP_MD* sha256Md() {
  static const EVP_MD* const md = fetched("SHA256", EVP_sha256());
  return md;
}

std::string digest(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), u8(bytes),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      // Padding only in the last two positions, and nothing but padding after it.
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
    } else if (padding > 0 || !isBase64Char(c)) {
      return std::nullopt;
    }
  }
  if (text.empty()) return std::string();
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), u8(text),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock keeps the zero bytes that padding stands for; drop them.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string hexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

std::string sha1(std::string_view bytes) { return digest(sha1Md(), bytes); }
std::string sha256(std::string_view bytes) { return digest(sha256Md(), bytes); }
std::string sha256Hex(std::string_view bytes) { return hexEncode(sha256(bytes)); }

std::string randomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hashSecret(std::string_view secret) {
  const std::string salt = randomBytes(16);
  std::string salted = salt;
  salted.append(secret);
  return "sha256$" + hexEncode(salt) + "$" + sha256Hex(salted);
}

bool verifySecret(std::string_view secret, std::string_view stored) {
  constexpr std::string_view kPrefix = "sha256$";
  if (stored.substr(0, kPrefix.size()) != kPrefix) return false;
  const auto rest = stored.substr(kPrefix.size());
  const auto dollar = rest.find('$');
  if (dollar == std::string_view::npos || dollar % 2 != 0) return false;
  const auto saltHex = rest.substr(0, dollar);
  std::string salt;
  for (std::size_t i = 0; i < saltHex.size(); i += 2) {
    const auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(saltHex[i]);
    const int lo = nibble(saltHex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    salt.push_back(static_cast<char>(hi * 16 + lo));
  }
  salt.append(secret);
  return constantTimeEquals(sha256Hex(salt), rest.substr(dollar + 1));
}

}  // namespace fhirgw::common
