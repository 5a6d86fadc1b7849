#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/audit_entry.hpp"

namespace fhirgw::store {

/// The audit trail: every API and admin call, appended and queried.
class AuditLog {
 public:
  virtual ~AuditLog() = default;

  /// Appends an entry stamped with the store's clock; returns its id.
  virtual common::Result<std::int64_t> appendAudit(const NewAuditEntry& entry) = 0;
  /// Entries matching the query, newest first (the reverse of append order).
  virtual common::Result<std::vector<AuditEntry>> queryAudit(const AuditQuery& query) const = 0;
};

}  // namespace fhirgw::store
