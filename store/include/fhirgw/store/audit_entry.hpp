#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// An audit entry to append; its id and time are given by the store. No health data in it.
struct NewAuditEntry {
  std::string actor;      ///< client id, "admin:<client id>", or "system"
  std::string action;     ///< e.g. "teleconsultation.create", "client.disable"
  std::string target;     ///< id of what was acted on (record id, client id, ...)
  std::string outcome;    ///< e.g. "201", "denied", "ok"
  std::string requestId;  ///< X-Request-ID of the call, empty for background actions
  /// Short JSON text saying what changed, e.g. {"changed": ["enabled", "options.baseUrl"]}:
  /// key paths only, never a value (a secret or health data). Empty: none.
  std::string detail;
};

/// A stored audit entry; ids grow in append order.
struct AuditEntry {
  std::int64_t id = 0;
  common::TimePoint at;
  std::string actor;
  std::string action;
  std::string target;
  std::string outcome;
  std::string requestId;
  std::string detail;  ///< JSON text, empty when the entry has none
};

/// Filters of an audit query (all optional), newest first (id descending): an administrator reads
/// the latest events and pages back in time.
struct AuditQuery {
  std::optional<common::TimePoint> since;  ///< entries at or after this time
  std::optional<std::string> actor;        ///< exact match
  std::optional<std::string> action;       ///< exact match
  /// Next page: entries with a smaller id than this one, the last of the page before.
  std::optional<std::int64_t> beforeId;
  std::size_t limit = 100;  ///< capped at kMaxAuditPage
};

/// The largest page an audit query returns.
inline constexpr std::size_t kMaxAuditPage = 1000;

}  // namespace fhirgw::store
