#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/store/audit_entry.hpp"

namespace fhirgw::gateway {

/// Keeps anonymous requests (refused ones above all) from filling the audit trail: per peer
/// address, action and outcome, the first request of a window is audited at once and the others
/// are only counted, into one summary row when the window has ended. Authenticated calls are
/// not limited here (they are accountable and rate-limited per client). Not thread-safe.
class AnonymousAuditLimiter {
 public:
  /// At most maxKeys (peer, action, outcome) are tracked per window; beyond, peers are merged
  /// under "*" so that many addresses cannot grow memory or rows without bound.
  AnonymousAuditLimiter(std::chrono::milliseconds window, std::size_t maxKeys);

  /// True when the entry is to be written now; false when it was counted for a summary.
  bool admit(const std::string& peer, const store::NewAuditEntry& entry, common::TimePoint now);

  /// Summary rows of the windows ended by now (all of them when flushAll), oldest first:
  /// actor "anonymous", the action, target "peer:<address>", outcome "<outcome> x<count>
  /// aggregated"; only windows that counted more than their first request give a row.
  std::vector<store::NewAuditEntry> due(common::TimePoint now, bool flushAll = false);

 private:
  struct Window {
    common::TimePoint start;
    std::size_t suppressed = 0;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // peer, action, outcome

  std::chrono::milliseconds window_;
  std::size_t maxKeys_;
  std::map<Key, Window> windows_;
  std::vector<std::pair<Key, Window>> ended_;  ///< ended by admit() before due() saw them
};

}  // namespace fhirgw::gateway
