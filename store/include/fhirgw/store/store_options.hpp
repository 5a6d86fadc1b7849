#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace fhirgw::store {

/// Where and how the store keeps its data (configuration keys `storage.*`).
struct StoreOptions {
  /// Folder of the embedded SQLite database `gateway.db`; created (mode 0700) when missing.
  std::string dataDir = "data";
  /// Empty: SQLite in dataDir. `sqlite:PATH`: SQLite at that file. `postgresql://...`: a shared
  /// PostgreSQL store (not yet built).
  std::string url;
  /// How long a write waits for the database lock, and a read for a free connection, before the
  /// operation fails with kUnavailable (the HTTP layer answers 503).
  std::chrono::milliseconds busyTimeout{5000};
  /// SQLite connections kept for concurrent reads (writes use one connection of their own).
  std::size_t readConnections = 8;
};

}  // namespace fhirgw::store
