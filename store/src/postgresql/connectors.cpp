// PostgresStore: the connector instances administered through the admin API (the ConnectorStore
// role).

#include <string>
#include <vector>

#include "postgresql/store_impl.hpp"
#include "row_checks.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

constexpr std::string_view kConnectorColumns =
    "id, type, enabled, config, version, created_at, updated_at, updated_by";

StoredConnector toStoredConnector(const Rows& rows, int i) {
  StoredConnector c;
  c.id = rows.text(i, 0);
  c.type = rows.text(i, 1);
  c.enabled = rows.integer(i, 2) != 0;
  c.instanceJson = rows.text(i, 3);
  c.version = rows.integer(i, 4);
  c.createdAt = detail::pg::fromMillis(rows.integer(i, 5));
  c.updatedAt = detail::pg::fromMillis(rows.integer(i, 6));
  c.updatedBy = rows.text(i, 7);
  return c;
}

Status checkRow(const ConnectorRow& row) {
  FHIRGW_RETURN_IF_ERROR(detail::checkConnectorRowFilled(row));
  if (detail::pg::hasNul(row.id) || detail::pg::hasNul(row.type) ||
      detail::pg::hasNul(row.instanceJson) || detail::pg::hasNul(row.updatedBy)) {
    return common::invalidArgument("connector: text with a NUL character");
  }
  return Status::ok();
}

// The row as it stands in this transaction; with `lock`, locked until it ends (FOR UPDATE), so
// that a version check and the write after it see the same version on every instance.
Status selectConnector(Connection& c, std::string_view id, bool lock, StoredConnector& out) {
  FHIRGW_ASSIGN_OR_RETURN(Rows rows,
                          c.exec("get connector",
                                 "SELECT " + std::string(kConnectorColumns) +
                                     " FROM connectors WHERE id = $1" + (lock ? " FOR UPDATE" : ""),
                                 Params().text(id)));
  if (rows.count() == 0) return common::notFound("connector not found");
  out = toStoredConnector(rows, 0);
  return Status::ok();
}

}  // namespace

Result<std::vector<StoredConnector>> PostgresStore::listConnectors() const {
  return impl_->readValue<std::vector<StoredConnector>>(
      "list connectors", [&](Connection& c, std::vector<StoredConnector>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("list connectors", "SELECT " + std::string(kConnectorColumns) +
                                                     " FROM connectors ORDER BY id"));
        out.reserve(static_cast<std::size_t>(rows.count()));
        for (int i = 0; i < rows.count(); ++i) out.push_back(toStoredConnector(rows, i));
        return Status::ok();
      });
}

Result<StoredConnector> PostgresStore::getConnector(std::string_view id) const {
  return impl_->readValue<StoredConnector>(
      "get connector",
      [&](Connection& c, StoredConnector& out) { return selectConnector(c, id, false, out); });
}

Result<StoredConnector> PostgresStore::insertConnector(const ConnectorRow& row) {
  FHIRGW_RETURN_IF_ERROR(checkRow(row));
  StoredConnector stored;
  const Status written = impl_->write("insert connector", [&](Connection& c) {
    const std::int64_t now = impl_->nowMs();
    FHIRGW_RETURN_IF_ERROR(c.exec("insert connector",
                                  "INSERT INTO connectors (id, type, config, enabled, created_at,"
                                  " updated_at, version, updated_by)"
                                  " VALUES ($1, $2, $3, $4, $5, $5, 1, $6)",
                                  Params()
                                      .text(row.id)
                                      .text(row.type)
                                      .text(row.instanceJson)
                                      .flag(row.enabled)
                                      .integer(now)
                                      .text(row.updatedBy)));
    return selectConnector(c, row.id, false, stored);
  });
  if (!written.isOk()) return written;
  return stored;
}

Result<StoredConnector> PostgresStore::updateConnector(const ConnectorRow& row,
                                                       std::int64_t expectedVersion) {
  FHIRGW_RETURN_IF_ERROR(checkRow(row));
  StoredConnector stored;
  const Status written = impl_->write("update connector", [&](Connection& c) {
    FHIRGW_RETURN_IF_ERROR(selectConnector(c, row.id, true, stored));
    if (stored.version != expectedVersion)
      return detail::staleConnectorVersion(stored, expectedVersion);
    if (stored.type != row.type) {
      // The type names what the options mean; another type is another instance.
      return common::invalidArgument("connector: the type of an instance cannot change");
    }
    FHIRGW_RETURN_IF_ERROR(c.exec("update connector",
                                  "UPDATE connectors SET config = $1, enabled = $2,"
                                  " updated_at = $3, updated_by = $4, version = version + 1"
                                  " WHERE id = $5 AND version = $6",
                                  Params()
                                      .text(row.instanceJson)
                                      .flag(row.enabled)
                                      .integer(impl_->nowMs())
                                      .text(row.updatedBy)
                                      .text(row.id)
                                      .integer(expectedVersion)));
    return selectConnector(c, row.id, false, stored);
  });
  if (!written.isOk()) return written;
  return stored;
}

Status PostgresStore::deleteConnector(std::string_view id, std::int64_t expectedVersion) {
  return impl_->write("delete connector", [&](Connection& c) {
    StoredConnector stored;
    FHIRGW_RETURN_IF_ERROR(selectConnector(c, id, true, stored));
    if (expectedVersion != 0 && stored.version != expectedVersion) {
      return detail::staleConnectorVersion(stored, expectedVersion);
    }
    return c.exec("delete connector", "DELETE FROM connectors WHERE id = $1", Params().text(id))
        .status();
  });
}

}  // namespace fhirgw::store
