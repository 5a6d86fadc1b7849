#pragma once

// Private to the SQLite store: value conversions between the store's types and SQLite columns,
// and the row shapes of the SELECT lists.

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/store/sqlite_store.hpp"
#include "poco_status.hpp"
#include "sealer.hpp"

namespace fhirgw::store::detail {

using common::Result;
using common::Status;
using Poco::Data::Session;
using Poco::Data::Statement;
namespace kw = Poco::Data::Keywords;

using NullableText = Poco::Nullable<std::string>;
using NullableInt = Poco::Nullable<Poco::Int64>;

// ---- conversions -------------------------------------------------------------------------

inline std::int64_t toMillis(common::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline common::TimePoint fromMillis(std::int64_t ms) {
  return common::TimePoint(std::chrono::milliseconds(ms));
}

inline NullableText toNullable(const std::optional<std::string>& value) {
  return value ? NullableText(*value) : NullableText();
}

inline NullableInt toNullableMillis(const std::optional<std::int64_t>& value) {
  return value ? NullableInt(*value) : NullableInt();
}

inline std::optional<std::string> fromNullable(const NullableText& value) {
  if (value.isNull()) return std::nullopt;
  return value.value();
}

inline std::optional<std::int64_t> fromNullable(const NullableInt& value) {
  if (value.isNull()) return std::nullopt;
  return value.value();
}

inline std::optional<common::TimePoint> fromNullableMillis(const NullableInt& value) {
  if (value.isNull()) return std::nullopt;
  return fromMillis(value.value());
}

// Poco binds text with its length, but SQLite hands it back as a C string: a NUL inside would
// silently cut the value. Valid JSON never has one, so refuse rather than store half a body.
inline bool hasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// ---- row shapes (column order of the SELECT lists below) -----------------------------------

inline constexpr std::string_view kClientColumns =
    "id, name, role, rate_limit, created_at, disabled";
using ClientRow =
    Poco::Tuple<std::string, std::string, std::string, NullableInt, Poco::Int64, Poco::Int64>;

inline Status toClient(const ClientRow& row, Client& out) {
  const auto role = parseClientRole(row.get<2>());
  if (!role) return common::internal("store: unknown client role in clients table");
  out.id = row.get<0>();
  out.name = row.get<1>();
  out.role = *role;
  out.rateLimit = fromNullable(row.get<3>());
  out.createdAt = fromMillis(row.get<4>());
  out.disabled = row.get<5>() != 0;
  return Status::ok();
}

inline constexpr std::string_view kRecordColumns =
    "id, client_id, external_id, created_at, status, request_hash, body, outcome, "
    "practitioner_rpps, encounter_year, practitioner_is_treating, purged_at";
using RecordRow =
    Poco::Tuple<std::string, std::string, NullableText, Poco::Int64, std::string, std::string,
                std::string, std::string, std::string, Poco::Int64, Poco::Int64, NullableInt>;

inline Record toRecord(const RecordRow& row) {
  Record r;
  r.id = row.get<0>();
  r.clientId = row.get<1>();
  r.externalId = fromNullable(row.get<2>());
  r.createdAt = fromMillis(row.get<3>());
  r.status = row.get<4>();
  r.requestHash = row.get<5>();
  r.body = row.get<6>();
  r.outcome = row.get<7>();
  r.practitionerRpps = row.get<8>();
  r.encounterYear = static_cast<int>(row.get<9>());
  r.practitionerIsTreating = row.get<10>() != 0;
  r.contentPurgedAt = fromNullableMillis(row.get<11>());
  return r;
}

inline constexpr std::string_view kDocumentColumns =
    "id, record_id, client_id, external_id, kind, created_at, request_hash, body, outcome";
using DocumentRow = Poco::Tuple<std::string, std::string, std::string, NullableText, std::string,
                                Poco::Int64, std::string, std::string, std::string>;

inline Document toDocument(const DocumentRow& row) {
  Document d;
  d.id = row.get<0>();
  d.recordId = row.get<1>();
  d.clientId = row.get<2>();
  d.externalId = fromNullable(row.get<3>());
  d.kind = row.get<4>();
  d.createdAt = fromMillis(row.get<5>());
  d.requestHash = row.get<6>();
  d.body = row.get<7>();
  d.outcome = row.get<8>();
  return d;
}

inline constexpr std::string_view kDeliveryColumns =
    "id, record_id, document_id, destination, connector_id, status, reason, attempts, "
    "next_attempt_at, lease_owner, lease_expires_at, first_attempt_at, last_error, created_at, "
    "updated_at, lease_id, target";
using DeliveryRow =
    Poco::Tuple<std::string, std::string, NullableText, std::string, NullableText, std::string,
                NullableText, Poco::Int64, NullableInt, NullableText, NullableInt, NullableInt,
                NullableText, Poco::Int64, Poco::Int64, NullableText, NullableText>;

inline Status toDelivery(const DeliveryRow& row, Delivery& d) {
  const auto status = parseDeliveryStatus(row.get<5>());
  if (!status) return common::internal("store: unknown delivery status in deliveries table");
  d.id = row.get<0>();
  d.recordId = row.get<1>();
  d.documentId = fromNullable(row.get<2>());
  d.destination = row.get<3>();
  d.connectorId = fromNullable(row.get<4>());
  d.status = *status;
  d.reason = fromNullable(row.get<6>());
  d.attempts = row.get<7>();
  d.nextAttemptAt = fromNullableMillis(row.get<8>());
  d.leaseOwner = fromNullable(row.get<9>());
  d.leaseExpiresAt = fromNullableMillis(row.get<10>());
  d.firstAttemptAt = fromNullableMillis(row.get<11>());
  d.lastError = fromNullable(row.get<12>());
  d.createdAt = fromMillis(row.get<13>());
  d.updatedAt = fromMillis(row.get<14>());
  d.leaseId = fromNullable(row.get<15>());
  d.target = fromNullable(row.get<16>());
  return Status::ok();
}

// The columns record_id, document_id, resource_type, resource_id, version, json, in that order.
using FhirResourceRow =
    Poco::Tuple<std::string, NullableText, std::string, std::string, Poco::Int64, std::string>;

inline FhirResource toFhirResource(const FhirResourceRow& row) {
  return {row.get<0>(), fromNullable(row.get<1>()),     row.get<2>(),
          row.get<3>(), static_cast<int>(row.get<4>()), row.get<5>()};
}

inline std::string selectFrom(std::string_view columns, std::string_view rest) {
  std::string sql = "SELECT ";
  sql.append(columns).append(" ").append(rest);
  return sql;
}

}  // namespace fhirgw::store::detail
