#include "fhirgw/common/secret_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::common {
namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kKeyIdSize = 16;
constexpr std::string_view kPrefix = "gcm1:";
// A key file holds 44 or 64 characters and a newline; anything much larger is not a key file.
constexpr std::size_t kMaxKeyFileSize = 4096;

/// Wipes a string holding key material when it goes out of scope.
class WipedString {
 public:
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { wipe(); }
  std::string& get() { return text_; }
  void wipe() {
    if (!text_.empty()) OPENSSL_cleanse(text_.data(), text_.size());
    text_.clear();
  }

 private:
  std::string text_;
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// Decodes 64 hex digits or base64 text into `out`; false when it is neither.
bool decodeKeyText(std::string_view text, std::string& out) {
  if (text.size() == 2 * kKeySize) {
    bool allHex = true;
    for (char c : text) allHex = allHex && hexValue(c) >= 0;
    if (allHex) {
      out.resize(kKeySize);
      for (std::size_t i = 0; i < kKeySize; ++i) {
        out[i] = static_cast<char>(hexValue(text[2 * i]) * 16 + hexValue(text[2 * i + 1]));
      }
      return true;
    }
  }
  auto decoded = base64Decode(text);
  if (!decoded) return false;
  out = std::move(*decoded);
  // The decoded copy is moved into `out` (wiped by its owner); nothing else to clean here.
  return true;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

/// The 32 key bytes, wiped when the last SecretBox sharing them goes.
class SecretBox::Key {
 public:
  explicit Key(std::string_view bytes) { std::copy(bytes.begin(), bytes.end(), bytes_.begin()); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  const unsigned char* data() const { return bytes_.data(); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  std::array<unsigned char, kKeySize> bytes_{};
};

SecretBox::SecretBox(std::shared_ptr<const Key> key) : key_(std::move(key)) {
  WipedString input;
  input.get() = "fhir-gateway secret key";
  input.get().append(key_->view());
  keyId_ = sha256Hex(input.get()).substr(0, kKeyIdSize);
}

Result<SecretBox> SecretBox::fromKeyText(std::string_view text) {
  WipedString bytes;
  if (!decodeKeyText(trim(text), bytes.get()) || bytes.get().size() != kKeySize) {
    return invalidArgument(
        "the secrets key must be 32 random bytes written as base64 or 64 hex digits "
        "(openssl rand -base64 32)");
  }
  return SecretBox(std::make_shared<const Key>(bytes.get()));
}

Result<SecretBox> SecretBox::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidArgument("cannot read the secrets key file " + path);
  WipedString text;
  text.get().resize(kMaxKeyFileSize + 1);
  in.read(text.get().data(), static_cast<std::streamsize>(text.get().size()));
  const auto n = static_cast<std::size_t>(in.gcount());
  if (in.bad()) return invalidArgument("cannot read the secrets key file " + path);
  if (n > kMaxKeyFileSize) {
    return invalidArgument("the secrets key file " + path + " is too large to hold a key");
  }
  auto box = fromKeyText(std::string_view(text.get()).substr(0, n));
  if (!box) return invalidArgument("the secrets key file " + path + ": " + box.error().message());
  return box;
}

Result<SecretBox> SecretBox::fromEnvironment(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());  // NOLINT(concurrency-mt-unsafe): start-up
  if (value == nullptr || *value == '\0') {
    return invalidArgument("the environment variable " + variable + " holding the secrets key " +
                           "is not set");
  }
  auto box = fromKeyText(value);
  if (!box) {
    return invalidArgument("the environment variable " + variable + ": " + box.error().message());
  }
  return box;
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  std::string out = randomBytes(kNonceSize);
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_->data(), u8(out)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(context), static_cast<int>(context.size())) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), u8(out) + kNonceSize, &len, u8(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), u8(out) + kNonceSize + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          u8(out) + kNonceSize + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  std::string sealed(kPrefix);
  sealed += keyId_;
  sealed += ':';
  sealed += base64Encode(out);
  return sealed;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view context) const {
  if (!isSealed(sealed))
    return common::Status(StatusCode::kDataLoss, "the sealed secret is malformed");
  const std::string_view keyId = sealed.substr(kPrefix.size(), kKeyIdSize);
  if (keyId != keyId_) {
    return failedPrecondition("the secret was sealed with key " + std::string(keyId) +
                              " but the configured secrets key is " + keyId_);
  }
  const auto bytes = base64Decode(sealed.substr(kPrefix.size() + kKeyIdSize + 1));
  if (!bytes || bytes->size() < kNonceSize + kTagSize) {
    return common::Status(StatusCode::kDataLoss, "the sealed secret is malformed");
  }
  const std::size_t size = bytes->size() - kNonceSize - kTagSize;
  std::string plain(size, '\0');
  std::string tag = bytes->substr(kNonceSize + size);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_->data(), u8(*bytes)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(context), static_cast<int>(context.size())) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), u8(plain), &len, u8(*bytes) + kNonceSize,
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), u8(tag)) !=
          1) {
    return internal("AES-256-GCM decryption failed");
  }
  const int total = len;
  if (EVP_DecryptFinal_ex(ctx.get(), u8(plain) + total, &len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return common::Status(
        StatusCode::kDataLoss,
        "the sealed secret does not verify (altered, or sealed for another field)");
  }
  return plain;
}

bool SecretBox::isSealed(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) return false;
  const auto rest = text.substr(kPrefix.size());
  return rest.size() > kKeyIdSize + 1 && isLowerHex(rest.substr(0, kKeyIdSize)) &&
         rest[kKeyIdSize] == ':';
}

}  // namespace fhirgw::common
