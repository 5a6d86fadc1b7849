#pragma once

// Private to the store, whatever the engine: encryption at rest of the columns that can hold
// health data, and the packing (packed_value.hpp) of the large ones before they are sealed.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::store::detail {

/// A value ready for a sealed column (Sealer::pack): text (plain or sealed), or a packed value
/// stored without encryption (binary, though free of NUL bytes, so a std::string read of the
/// column reads all of it). SQLite binds it as a BLOB when `blob`; PostgreSQL's packed columns
/// are bytea, which take either alike.
struct StoredValue {
  std::string bytes;
  bool blob = false;
};

/// The AAD of a sealed value: its table, column and row id ("records.body:<id>"), so that a
/// value copied to another row or column does not open.
inline std::string sealContext(std::string_view table, std::string_view column,
                               std::string_view rowId) {
  std::string context(table);
  context.append(".").append(column).append(":").append(rowId);
  return context;
}

/// The row id in the context of a FHIR resource's JSON (its primary key).
inline std::string resourceRowId(std::string_view type, std::string_view id, int version) {
  std::string rowId(type);
  rowId.append("/").append(id).append("/").append(std::to_string(version));
  return rowId;
}

/// The row id in the context of a stored idempotency answer (its primary key; client ids
/// never hold a '/').
inline std::string idempotencyRowId(std::string_view clientId, std::string_view key) {
  std::string rowId(clientId);
  rowId.append("/").append(key);
  return rowId;
}

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

/// The sealed columns of a submission, packed (compressed) and sealed by the caller's thread
/// before the transaction, so that both run in parallel and outside the writer's critical
/// section (SQLite) or the transaction's locks (PostgreSQL).
struct SealedSubmission {
  StoredValue recordBody;
  StoredValue recordOutcome;
  std::vector<StoredValue> documentBodies;
  std::vector<StoredValue> documentOutcomes;
  std::vector<StoredValue> idempotencyBodies;
  std::vector<StoredValue> resourceJson;
  std::vector<std::optional<std::string>> deliveryTargets;
  std::size_t bytes = 0;  ///< their total size
};

/// What each sealed column of the submission stores, in the submission's order.
SealedSubmission sealSubmission(const Sealer& sealer, const Submission& sub);

}  // namespace fhirgw::store::detail
