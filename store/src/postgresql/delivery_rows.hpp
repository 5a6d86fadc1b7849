#pragma once

// Private to the PostgreSQL store: a deliveries row as the role sources read it (the delivery
// queue, and the record reads that list a record's deliveries).

#include <string>
#include <string_view>

#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"
#include "postgresql/connection.hpp"
#include "postgresql/store_impl.hpp"

namespace fhirgw::store::detail::pg {

/// The columns toDelivery reads, in its order (the SQLite store's list).
inline constexpr std::string_view kDeliveryColumns =
    "id, record_id, document_id, destination, connector_id, status, reason, attempts, "
    "next_attempt_at, lease_owner, lease_expires_at, first_attempt_at, last_error, created_at, "
    "updated_at, lease_id, target";

/// Row i of a result whose columns `first`, first + 1, ... are kDeliveryColumns.
inline common::Status toDelivery(const Rows& rows, int i, Delivery& d, int first = 0) {
  const auto status = parseDeliveryStatus(rows.text(i, first + 5));
  if (!status) return common::internal("store: unknown delivery status in deliveries table");
  d.id = rows.text(i, first);
  d.recordId = rows.text(i, first + 1);
  d.documentId = rows.optionalText(i, first + 2);
  d.destination = rows.text(i, first + 3);
  d.connectorId = rows.optionalText(i, first + 4);
  d.status = *status;
  d.reason = rows.optionalText(i, first + 6);
  d.attempts = rows.integer(i, first + 7);
  d.nextAttemptAt = fromOptionalMillis(rows.optionalInteger(i, first + 8));
  d.leaseOwner = rows.optionalText(i, first + 9);
  d.leaseExpiresAt = fromOptionalMillis(rows.optionalInteger(i, first + 10));
  d.firstAttemptAt = fromOptionalMillis(rows.optionalInteger(i, first + 11));
  d.lastError = rows.optionalText(i, first + 12);
  d.createdAt = fromMillis(rows.integer(i, first + 13));
  d.updatedAt = fromMillis(rows.integer(i, first + 14));
  d.leaseId = rows.optionalText(i, first + 15);
  d.target = rows.optionalText(i, first + 16);
  return common::Status::ok();
}

}  // namespace fhirgw::store::detail::pg
