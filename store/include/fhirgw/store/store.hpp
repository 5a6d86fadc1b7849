#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/activity_store.hpp"
#include "fhirgw/store/audit_log.hpp"
#include "fhirgw/store/client_store.hpp"
#include "fhirgw/store/connector_store.hpp"
#include "fhirgw/store/delivery_queue.hpp"
#include "fhirgw/store/record_store.hpp"
#include "fhirgw/store/retention_store.hpp"
#include "fhirgw/store/shared_rate_limits.hpp"
#include "fhirgw/store/storage_encryption.hpp"
#include "fhirgw/store/store_options.hpp"

namespace fhirgw::store {

/// The gateway's durable state: one object playing every role, so a caller that needs one role
/// takes that role's interface (the delivery engine a DeliveryQueue, authentication a
/// ClientStore, the connector service a ConnectorStore, the key rotation StorageEncryption, the
/// housekeeper a RetentionStore) and only the composition root holds the whole store.
/// Implementations are safe to call from many threads at once and never throw: every failure is a
/// Status (kUnavailable when busy or unreachable, so the caller answers 503 and nothing is
/// half-written; kNotFound for an unknown id or one of another client; kAlreadyExists for a unique
/// id or key already taken).
class Store : public ClientStore,
              public AuditLog,
              public ActivityStore,
              public RecordStore,
              public DeliveryQueue,
              public ConnectorStore,
              public StorageEncryption,
              public RetentionStore {
 public:
  ~Store() override = default;

  /// Readiness: the store answers a trivial query and can take a write now.
  virtual common::Status ping() const = 0;
  /// The highest schema migration applied.
  virtual common::Result<int> schemaVersion() const = 0;
  /// The file holding the store, when it is one (metrics report its size and its WAL's).
  virtual std::optional<std::string> databaseFile() const { return std::nullopt; }
  /// The request budgets the instances sharing this store count against together, when several
  /// can (PostgreSQL); nullptr for a store one instance has to itself (SQLite), whose instance
  /// counts in memory.
  virtual SharedRateLimits* sharedRateLimits() { return nullptr; }
};

/// Opens the store the options select, migrated to the latest schema: empty url => SQLite
/// `<dataDir>/gateway.db` (dataDir is created); `sqlite:PATH` => SQLite at PATH;
/// `postgresql://` (or `postgres://`) => the PostgreSQL store several instances share
/// (PostgresStore::open: kInvalidArgument when malformed or carrying a password, kUnavailable
/// when the server cannot be reached); any other url => kInvalidArgument. The clock
/// must outlive the store.
common::Result<std::unique_ptr<Store>> openStore(
    const StoreOptions& options, const common::Clock& clock = common::SystemClock::instance());

}  // namespace fhirgw::store
