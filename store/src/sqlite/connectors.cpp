// SqliteStore: connector instances (the ConnectorStore role).

#include <string>
#include <vector>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

Status checkConnector(const NewStoredConnector& c) {
  if (c.id.empty() || c.type.empty()) return common::invalidArgument("connector: empty id or type");
  if (hasNul(c.config)) return common::invalidArgument("connector: config contains a NUL byte");
  return Status::ok();
}

constexpr std::string_view kConnectorColumns = "id, type, config, enabled, created_at, updated_at";
using ConnectorRow =
    Poco::Tuple<std::string, std::string, std::string, Poco::Int64, Poco::Int64, Poco::Int64>;

StoredConnector toConnector(const ConnectorRow& row) {
  return {row.get<0>(),
          row.get<1>(),
          row.get<2>(),
          row.get<3>() != 0,
          fromMillis(row.get<4>()),
          fromMillis(row.get<5>())};
}

}  // namespace

Status SqliteStore::createConnector(const NewStoredConnector& c) {
  FHIRGW_RETURN_IF_ERROR(checkConnector(c));
  return impl_->write("create connector", [&](Session& s) {
    const Poco::Int64 now = impl_->nowMs();
    s << "INSERT INTO connectors (id, type, config, enabled, created_at, updated_at)"
         " VALUES (?, ?, ?, ?, ?, ?)",
        kw::bind(c.id), kw::bind(c.type), kw::bind(c.config), kw::bind(Poco::Int64{c.enabled}),
        kw::bind(now), kw::bind(now), kw::now;
    return Status::ok();
  });
}

Status SqliteStore::updateConnector(const NewStoredConnector& c) {
  FHIRGW_RETURN_IF_ERROR(checkConnector(c));
  return impl_->write("update connector", [&](Session& s) {
    Statement update(s);
    update << "UPDATE connectors SET type = ?, config = ?, enabled = ?, updated_at = ?"
              " WHERE id = ?",
        kw::bind(c.type), kw::bind(c.config), kw::bind(Poco::Int64{c.enabled}),
        kw::bind(Poco::Int64{impl_->nowMs()}), kw::bind(c.id);
    return update.execute() == 0 ? common::notFound("connector not found") : Status::ok();
  });
}

Status SqliteStore::deleteConnector(std::string_view connectorId) {
  return impl_->write("delete connector", [&](Session& s) {
    Statement remove(s);
    remove << "DELETE FROM connectors WHERE id = ?", kw::bind(std::string(connectorId));
    return remove.execute() == 0 ? common::notFound("connector not found") : Status::ok();
  });
}

Result<StoredConnector> SqliteStore::getConnector(std::string_view connectorId) const {
  return impl_->readValue<StoredConnector>("get connector", [&](Session& s, StoredConnector& out) {
    ConnectorRow row;
    Statement query(s);
    query << selectFrom(kConnectorColumns, "FROM connectors WHERE id = ?"),
        kw::bind(std::string(connectorId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("connector not found");
    out = toConnector(row);
    return Status::ok();
  });
}

Result<std::vector<StoredConnector>> SqliteStore::listConnectors() const {
  return impl_->readValue<std::vector<StoredConnector>>(
      "list connectors", [&](Session& s, std::vector<StoredConnector>& out) {
        std::vector<ConnectorRow> rows;
        s << selectFrom(kConnectorColumns, "FROM connectors ORDER BY id"), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const ConnectorRow& row : rows) out.push_back(toConnector(row));
        return Status::ok();
      });
}

}  // namespace fhirgw::store
