#include "fhirgw/common/key_ring.hpp"

#include <set>
#include <utility>

namespace fhirgw::common {
namespace {

constexpr std::string_view kPrefix = "gcm1:";
constexpr std::size_t kKeyIdSize = 16;

}  // namespace

Result<KeyRing> KeyRing::make(SecretBox active, std::vector<SecretBox> previous) {
  std::set<std::string, std::less<>> ids{std::string(active.keyId())};
  for (const SecretBox& box : previous) {
    if (!ids.insert(std::string(box.keyId())).second) {
      return invalidArgument("the key " + std::string(box.keyId()) +
                             " is given twice (the active key cannot also be a previous key)");
    }
  }
  return KeyRing(std::move(active), std::move(previous));
}

std::vector<std::string> KeyRing::previousKeyIds() const {
  std::vector<std::string> ids;
  ids.reserve(previous_.size());
  for (const SecretBox& box : previous_) ids.emplace_back(box.keyId());
  return ids;
}

std::string KeyRing::seal(std::string_view plaintext, std::string_view context) const {
  return active_.seal(plaintext, context);
}

Result<std::string> KeyRing::open(std::string_view sealed, std::string_view context) const {
  const std::optional<std::string_view> keyId = keyIdOf(sealed);
  if (!keyId) return Status(StatusCode::kDataLoss, "the sealed value is malformed");
  if (*keyId == active_.keyId()) return active_.open(sealed, context);
  for (const SecretBox& box : previous_) {
    if (*keyId == box.keyId()) return box.open(sealed, context);
  }
  return failedPrecondition("the value was sealed with key " + std::string(*keyId) +
                            ", which is neither the active key (" + std::string(activeKeyId()) +
                            ") nor a previous key of the configuration");
}

bool KeyRing::sealedUnderActiveKey(std::string_view text) const {
  const auto keyId = keyIdOf(text);
  return keyId && *keyId == active_.keyId();
}

std::optional<std::string_view> KeyRing::keyIdOf(std::string_view text) {
  if (!SecretBox::isSealed(text)) return std::nullopt;
  return text.substr(kPrefix.size(), kKeyIdSize);
}

}  // namespace fhirgw::common
