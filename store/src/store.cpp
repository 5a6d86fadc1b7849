#include "fhirgw/store/store.hpp"

#include <filesystem>
#include <system_error>

#include "fhirgw/store/postgres_store.hpp"
#include "fhirgw/store/sqlite_store.hpp"

namespace fhirgw::store {
namespace {

namespace fs = std::filesystem;

// Creates the database's folder (private when we create it) and opens the SQLite store.
common::Result<std::unique_ptr<Store>> openSqlite(const fs::path& file, std::string_view key,
                                                  const StoreOptions& options,
                                                  const common::Clock& clock) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) {
    return common::failedPrecondition(std::string(key) + ": cannot create " + dir.string() + ": " +
                                      ec.message());
  }
  if (created) {
    // The folder holds health data: only the gateway's user may enter it.
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  FHIRGW_ASSIGN_OR_RETURN(auto sqlite, SqliteStore::open(file.string(), options, clock));
  return std::unique_ptr<Store>(std::move(sqlite));
}

}  // namespace

common::Result<std::unique_ptr<Store>> openStore(const StoreOptions& options,
                                                 const common::Clock& clock) {
  std::string_view url = options.url;
  if (url.empty()) {
    if (options.dataDir.empty()) {
      return common::invalidArgument("storage.dataDir: must not be empty");
    }
    return openSqlite(fs::path(options.dataDir) / "gateway.db", "storage.dataDir", options, clock);
  }
  // The url is never echoed back: a PostgreSQL one may carry a password.
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    // A malformed url or one with a password is kInvalidArgument, an unreachable server
    // kUnavailable, a newer schema kFailedPrecondition (PostgresStore::open).
    FHIRGW_ASSIGN_OR_RETURN(auto postgres, PostgresStore::open(url, options, clock));
    return std::unique_ptr<Store>(std::move(postgres));
  }
  if (url.starts_with("sqlite:")) {
    // sqlite:PATH or sqlite://PATH names the database file itself.
    url.remove_prefix(7);
    if (url.starts_with("//")) url.remove_prefix(2);
    if (url.empty()) return common::invalidArgument("storage.url: sqlite: needs a file path");
    return openSqlite(fs::path(url), "storage.url", options, clock);
  }
  return common::invalidArgument(
      "storage.url: unsupported scheme; expected empty (SQLite in storage.dataDir), "
      "sqlite:PATH or postgresql://...");
}

}  // namespace fhirgw::store
