#pragma once

// Private to the PostgreSQL store: from storage.url to libpq's connection keywords.

#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/store/store_options.hpp"
#include "postgresql/connection.hpp"

namespace fhirgw::store::detail::pg {

/// Parses `postgresql://user@host:port/dbname?param=value&...` (or `postgres://`) with libpq's
/// own parser, so every libpq URI parameter works as libpq documents it: TLS (`sslmode`,
/// `sslrootcert`, `sslcert`, `sslkey`, `sslcrl`), `connect_timeout`, `options`,
/// `target_session_attrs`, several hosts. A password in it (user:password@ or `password=`,
/// `sslpassword=`) is refused: it would sit in configuration files, environments and process
/// listings; it comes from options.password instead (storage.passwordFile or
/// storage.passwordVariable), else from libpq's PGPASSWORD / PGPASSFILE / ~/.pgpass.
/// Defaults added unless the url sets them: application_name=fhir-gateway, connect_timeout from
/// options.busyTimeout (at least 2 s). kInvalidArgument names storage.url, never its text.
common::Result<ConnectParams> connectParams(std::string_view url, const StoreOptions& options);

}  // namespace fhirgw::store::detail::pg
