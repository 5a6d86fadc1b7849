#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/secret_box.hpp"

namespace fhirgw::common {

/// The keys of encryption at rest: one active SecretBox that seals, and previous ones that only
/// open what they sealed, so values sealed before a key rotation still read until they are
/// sealed again under the active key. Immutable; safe to share between threads.
class KeyRing {
 public:
  /// kInvalidArgument when two keys are the same key (equal ids).
  static Result<KeyRing> make(SecretBox active, std::vector<SecretBox> previous = {});

  /// The active key's id (16 lower-case hex digits).
  std::string_view activeKeyId() const { return active_.keyId(); }
  /// The previous keys' ids, in the order given.
  std::vector<std::string> previousKeyIds() const;

  /// The value sealed under the active key (see SecretBox::seal).
  std::string seal(std::string_view plaintext, std::string_view context) const;
  /// Opens a value sealed under any key of the ring, chosen by the key id in the sealed text;
  /// kFailedPrecondition naming the key id when no key of the ring has it, kDataLoss when the
  /// value does not verify (altered, or sealed for another context).
  Result<std::string> open(std::string_view sealed, std::string_view context) const;
  /// True when `text` is sealed under the active key (shape and key id only).
  bool sealedUnderActiveKey(std::string_view text) const;

  /// The key id of a sealed value ("gcm1:<keyId>:..."), or nullopt when it has not that shape.
  static std::optional<std::string_view> keyIdOf(std::string_view text);

 private:
  KeyRing(SecretBox active, std::vector<SecretBox> previous)
      : active_(std::move(active)), previous_(std::move(previous)) {}

  SecretBox active_;
  std::vector<SecretBox> previous_;
};

}  // namespace fhirgw::common
