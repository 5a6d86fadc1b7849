#pragma once

// Private to the PostgreSQL store: the SELECT lists of records, documents and FHIR resources
// and their rows read back into the store's types (sealed columns still sealed: the
// caller opens them with the Sealer). The packed columns are bytea (migration 8).

#include <string>
#include <string_view>

#include "fhirgw/store/record.hpp"
#include "postgresql/connection.hpp"
#include "postgresql/store_impl.hpp"

namespace fhirgw::store::detail::pg {

/// The columns of a record, each prefixed with `alias` ("r.") when given.
inline std::string recordColumns(std::string_view alias = "") {
  std::string out;
  for (const char* column :
       {"id", "client_id", "external_id", "created_at", "status", "request_hash", "body", "outcome",
        "practitioner_rpps", "encounter_year", "practitioner_is_treating", "purged_at"}) {
    if (!out.empty()) out.append(", ");
    out.append(alias).append(column);
  }
  return out;
}

/// Row i of recordColumns(), from column `first` on.
inline Record toRecord(const Rows& rows, int i, int first = 0) {
  Record r;
  r.id = rows.text(i, first);
  r.clientId = rows.text(i, first + 1);
  r.externalId = rows.optionalText(i, first + 2);
  r.createdAt = fromMillis(rows.integer(i, first + 3));
  r.status = rows.text(i, first + 4);
  r.requestHash = rows.text(i, first + 5);
  r.body = rows.bytes(i, first + 6);
  r.outcome = rows.bytes(i, first + 7);
  r.practitionerRpps = rows.text(i, first + 8);
  r.encounterYear = static_cast<int>(rows.integer(i, first + 9));
  r.practitionerIsTreating = rows.integer(i, first + 10) != 0;
  r.contentPurgedAt = fromOptionalMillis(rows.optionalInteger(i, first + 11));
  return r;
}

/// The columns of a document, prefixed with `alias` ("d.").
inline std::string documentColumns(std::string_view alias = "") {
  std::string out;
  for (const char* column : {"id", "record_id", "client_id", "external_id", "kind", "created_at",
                             "request_hash", "body", "outcome"}) {
    if (!out.empty()) out.append(", ");
    out.append(alias).append(column);
  }
  return out;
}

inline Document toDocument(const Rows& rows, int i) {
  Document d;
  d.id = rows.text(i, 0);
  d.recordId = rows.text(i, 1);
  d.clientId = rows.text(i, 2);
  d.externalId = rows.optionalText(i, 3);
  d.kind = rows.text(i, 4);
  d.createdAt = fromMillis(rows.integer(i, 5));
  d.requestHash = rows.text(i, 6);
  d.body = rows.bytes(i, 7);
  d.outcome = rows.bytes(i, 8);
  return d;
}

/// The columns of a FHIR resource, prefixed with `alias` ("f.").
inline std::string fhirResourceColumns(std::string_view alias = "") {
  std::string out;
  for (const char* column :
       {"record_id", "document_id", "resource_type", "resource_id", "version", "json"}) {
    if (!out.empty()) out.append(", ");
    out.append(alias).append(column);
  }
  return out;
}

inline FhirResource toFhirResource(const Rows& rows, int i) {
  return {rows.text(i, 0),
          rows.optionalText(i, 1),
          rows.text(i, 2),
          rows.text(i, 3),
          static_cast<int>(rows.integer(i, 4)),
          rows.bytes(i, 5)};
}

/// A comma-separated column list with each column prefixed by `alias` ("d."), for a query that
/// joins (delivery_rows.hpp's kDeliveryColumns, say).
inline std::string prefixed(std::string_view columns, std::string_view alias) {
  std::string out;
  std::size_t start = 0;
  while (start < columns.size()) {
    std::size_t end = columns.find(',', start);
    if (end == std::string_view::npos) end = columns.size();
    std::string_view column = columns.substr(start, end - start);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    if (!out.empty()) out.append(", ");
    out.append(alias).append(column);
    start = end + 1;
  }
  return out;
}

}  // namespace fhirgw::store::detail::pg
