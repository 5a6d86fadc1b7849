#pragma once

// Private to the SQLite store: encryption at rest of the columns that can hold health data.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/record.hpp"
#include "rows.hpp"

namespace fhirgw::store::detail {

/// Seals values on their way into a sealed column and opens them on their way out; with no key
/// ring (encryption off) values pass as they are.
class Sealer {
 public:
  explicit Sealer(std::shared_ptr<const common::KeyRing> ring) : ring_(std::move(ring)) {}

  /// The key ring, or null when encryption at rest is off.
  const common::KeyRing* keyRing() const { return ring_.get(); }

  /// What to store: the value sealed under the active key and bound to `context`
  /// (sealContext), or the value itself when encryption is off.
  std::string seal(std::string_view plain, std::string_view context) const;
  std::optional<std::string> sealOptional(const std::optional<std::string>& plain,
                                          std::string_view context) const;
  /// seal() of the value packed (compressed, packed_value.hpp) when that makes it smaller: for
  /// the large values (bodies, answers, FHIR resources), packed before they are sealed.
  StoredValue pack(std::string_view plain, std::string_view context) const;
  /// Turns a stored value back into its plain text, in place: opened when sealed, then unpacked
  /// when packed. A value without the sealed shape was written before encryption was on, one
  /// without the packed shape before packing existed, and stays as it is; kFailedPrecondition
  /// names the key of a value sealed under a key the ring lacks (or when encryption is off),
  /// kDataLoss one that does not verify (altered, or moved from another row) or does not unpack.
  common::Status open(std::string& value, std::string_view context) const;
  common::Status open(std::optional<std::string>& value, std::string_view context) const;
  /// open() without the unpacking: what was sealed, as the key rotation seals it again.
  common::Status unseal(std::string& value, std::string_view context) const;

  // The sealed columns of a row read back.
  common::Status openRecord(Record& record) const;
  common::Status openDocument(Document& document) const;
  common::Status openFhirResource(FhirResource& resource) const;
  common::Status openDelivery(Delivery& delivery) const;

 private:
  std::shared_ptr<const common::KeyRing> ring_;
};

}  // namespace fhirgw::store::detail
