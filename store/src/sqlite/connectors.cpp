// SqliteStore: the connector instances administered through the admin API (the ConnectorStore
// role).

#include <string>
#include <vector>

#include "connection.hpp"
#include "row_checks.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

constexpr std::string_view kConnectorColumns =
    "id, type, enabled, config, version, created_at, updated_at, updated_by";
using ConnectorTuple = Poco::Tuple<std::string, std::string, Poco::Int64, std::string, Poco::Int64,
                                   Poco::Int64, Poco::Int64, std::string>;

StoredConnector toStoredConnector(const ConnectorTuple& row) {
  StoredConnector c;
  c.id = row.get<0>();
  c.type = row.get<1>();
  c.enabled = row.get<2>() != 0;
  c.instanceJson = row.get<3>();
  c.version = row.get<4>();
  c.createdAt = fromMillis(row.get<5>());
  c.updatedAt = fromMillis(row.get<6>());
  c.updatedBy = row.get<7>();
  return c;
}

Status checkRow(const ConnectorRow& row) {
  FHIRGW_RETURN_IF_ERROR(detail::checkConnectorRowFilled(row));
  if (hasNul(row.instanceJson) || hasNul(row.updatedBy)) {
    return common::invalidArgument("connector: text with a NUL character");
  }
  return Status::ok();
}

// The row as it stands in the writer's transaction; kNotFound when absent.
Status selectConnector(Session& s, const std::string& id, StoredConnector& out) {
  ConnectorTuple row;
  Statement query(s);
  query << selectFrom(kConnectorColumns, "FROM connectors WHERE id = ?"), kw::bind(id),
      kw::into(row);
  if (query.execute() == 0) return common::notFound("connector not found");
  out = toStoredConnector(row);
  return Status::ok();
}

}  // namespace

Result<std::vector<StoredConnector>> SqliteStore::listConnectors() const {
  return impl_->readValue<std::vector<StoredConnector>>(
      "list connectors", [&](Session& s, std::vector<StoredConnector>& out) {
        std::vector<ConnectorTuple> rows;
        s << selectFrom(kConnectorColumns, "FROM connectors ORDER BY id"), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const ConnectorTuple& row : rows) out.push_back(toStoredConnector(row));
        return Status::ok();
      });
}

Result<StoredConnector> SqliteStore::getConnector(std::string_view id) const {
  return impl_->readValue<StoredConnector>("get connector", [&](Session& s, StoredConnector& out) {
    return selectConnector(s, std::string(id), out);
  });
}

Result<StoredConnector> SqliteStore::insertConnector(const ConnectorRow& row) {
  FHIRGW_RETURN_IF_ERROR(checkRow(row));
  StoredConnector stored;
  const Status status = impl_->write("insert connector", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    s << "INSERT INTO connectors (id, type, config, enabled, created_at, updated_at, version,"
         " updated_by) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        kw::bind(row.id), kw::bind(row.type), kw::bind(row.instanceJson),
        kw::bind(Poco::Int64{row.enabled ? 1 : 0}), kw::bind(now), kw::bind(now),
        kw::bind(row.updatedBy), kw::now;
    return selectConnector(s, row.id, stored);
  });
  if (!status.isOk()) return status;
  return stored;
}

Result<StoredConnector> SqliteStore::updateConnector(const ConnectorRow& row,
                                                     std::int64_t expectedVersion) {
  FHIRGW_RETURN_IF_ERROR(checkRow(row));
  StoredConnector stored;
  const Status status = impl_->write("update connector", [&](Session& s) {
    FHIRGW_RETURN_IF_ERROR(selectConnector(s, row.id, stored));
    if (stored.version != expectedVersion) {
      return detail::staleConnectorVersion(stored, expectedVersion);
    }
    if (stored.type != row.type) {
      // The type names what the options mean; another type is another instance.
      return common::invalidArgument("connector: the type of an instance cannot change");
    }
    s << "UPDATE connectors SET config = ?, enabled = ?, updated_at = ?, updated_by = ?,"
         " version = version + 1 WHERE id = ? AND version = ?",
        kw::bind(row.instanceJson), kw::bind(Poco::Int64{row.enabled ? 1 : 0}),
        kw::bind(Poco::Int64{impl_->nowMs()}), kw::bind(row.updatedBy), kw::bind(row.id),
        kw::bind(Poco::Int64{expectedVersion}), kw::now;
    return selectConnector(s, row.id, stored);
  });
  if (!status.isOk()) return status;
  return stored;
}

Status SqliteStore::deleteConnector(std::string_view id, std::int64_t expectedVersion) {
  return impl_->write("delete connector", [&](Session& s) {
    StoredConnector stored;
    FHIRGW_RETURN_IF_ERROR(selectConnector(s, std::string(id), stored));
    if (expectedVersion != 0 && stored.version != expectedVersion) {
      return detail::staleConnectorVersion(stored, expectedVersion);
    }
    s << "DELETE FROM connectors WHERE id = ?", kw::bind(std::string(id)), kw::now;
    return Status::ok();
  });
}

}  // namespace fhirgw::store
