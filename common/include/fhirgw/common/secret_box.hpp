#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

/// AES-256-GCM sealing of connector secrets (OpenSSL EVP). The key is 32 random bytes given as
/// base64 or hex text in a file or an environment variable; its id is the first 16 hex digits of
/// SHA-256("fhir-gateway secret key" || key) and is stored with every sealed value.
class SecretBox {
 public:
  /// A key from its text (base64 or hex, surrounding whitespace ignored); kInvalidArgument when
  /// it does not decode to exactly 32 bytes. The message never quotes the text.
  static Result<SecretBox> fromKeyText(std::string_view text);
  /// A key read from a file; the message names the file, never the key.
  static Result<SecretBox> fromFile(const std::string& path);
  /// A key read from an environment variable; the message names the variable, never the key.
  static Result<SecretBox> fromEnvironment(const std::string& variable);

  /// 16 lower-case hex digits identifying the key (not secret).
  std::string_view keyId() const { return keyId_; }

  /// "gcm1:<keyId>:<base64(12-byte random nonce | ciphertext | 16-byte tag)>"; `context` (e.g.
  /// "connector:<id>:options.bearerToken") is bound as AAD so a sealed value cannot be moved to
  /// another field.
  std::string seal(std::string_view plaintext, std::string_view context) const;
  /// The plaintext; kFailedPrecondition when sealed with another key (the message names both key
  /// ids), kDataLoss when the tag does not verify (wrong context, altered text) or the text is
  /// malformed.
  Result<std::string> open(std::string_view sealed, std::string_view context) const;
  /// True when `text` has the shape of a sealed value ("gcm1:<16 hex>:..."); it says nothing of
  /// whether it opens.
  static bool isSealed(std::string_view text);

 private:
  class Key;
  explicit SecretBox(std::shared_ptr<const Key> key);

  std::shared_ptr<const Key> key_;  // immutable and wiped on destruction, so copies may share it
  std::string keyId_;
};

}  // namespace fhirgw::common
