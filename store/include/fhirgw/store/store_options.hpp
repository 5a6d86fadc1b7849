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
  /// PostgreSQL store (docs/storage.md; not selected by openStore until every role is there).
  std::string url;
  /// How long a write waits for the database lock (PostgreSQL: for a row lock, lock_timeout),
  /// and an operation for a free connection, before it fails with kUnavailable (the HTTP layer
  /// answers 503).
  std::chrono::milliseconds busyTimeout{5000};
  /// SQLite connections kept for concurrent reads (writes use one connection of their own).
  std::size_t readConnections = 8;
  /// Encryption at rest (`storage.encryption.*`): the columns that can hold health data are
  /// sealed under the ring's active key on write and opened with any of its keys on read; null:
  /// off (values are written as they are, and values sealed earlier cannot be read).
  std::shared_ptr<const common::KeyRing> keyRing;
  // Last, so that positional initialisers of the fields above stay valid.
  /// PostgreSQL: the password (read from storage.passwordFile or storage.passwordVariable), never
  /// logged. Empty: libpq's own sources (PGPASSWORD, PGPASSFILE, ~/.pgpass) or none.
  std::string password;
  /// PostgreSQL: connections the pool keeps at most (each operation takes one for its
  /// transaction and waits up to busyTimeout for a free one).
  std::size_t connections = 16;
};

}  // namespace fhirgw::store
