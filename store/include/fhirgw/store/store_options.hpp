#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "fhirgw/common/key_ring.hpp"

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
  /// Encryption at rest (`storage.encryption.*`): the columns that can hold health data are
  /// sealed under the ring's active key on write and opened with any of its keys on read; null:
  /// off (values are written as they are, and values sealed earlier cannot be read).
  std::shared_ptr<const common::KeyRing> keyRing;
};

}  // namespace fhirgw::store
