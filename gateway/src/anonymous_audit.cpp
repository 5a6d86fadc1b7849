#include "fhirgw/gateway/anonymous_audit.hpp"

#include <algorithm>
#include <utility>

namespace fhirgw::gateway {

AnonymousAuditLimiter::AnonymousAuditLimiter(std::chrono::milliseconds window, std::size_t maxKeys)
    : window_(window), maxKeys_(maxKeys) {}

bool AnonymousAuditLimiter::admit(const std::string& peer, const store::NewAuditEntry& entry,
                                  common::TimePoint now) {
  Key key{peer, entry.action, entry.outcome};
  auto it = windows_.find(key);
  if (it == windows_.end() && windows_.size() >= maxKeys_) {
    std::get<0>(key) = "*";
    it = windows_.find(key);
  }
  if (it != windows_.end() && now < it->second.start + window_) {
    ++it->second.suppressed;
    return false;
  }
  // A new window; the ended one's count waits for due().
  if (it != windows_.end() && it->second.suppressed > 0) {
    ended_.emplace_back(it->first, it->second);
  }
  windows_[key] = Window{now, 0};
  return true;
}

std::vector<store::NewAuditEntry> AnonymousAuditLimiter::due(common::TimePoint now, bool flushAll) {
  std::vector<std::pair<common::TimePoint, store::NewAuditEntry>> rows;
  auto summarise = [&rows](const Key& key, const Window& w) {
    if (w.suppressed == 0) return;
    const auto& [peer, action, outcome] = key;
    store::NewAuditEntry e;
    e.actor = "anonymous";
    e.action = action;
    e.target = "peer:" + peer;
    e.outcome = outcome + " x" + std::to_string(w.suppressed) + " aggregated";
    rows.emplace_back(w.start, std::move(e));
  };
  for (const auto& [key, w] : ended_) summarise(key, w);
  ended_.clear();
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (!flushAll && now < it->second.start + window_) {
      ++it;
      continue;
    }
    summarise(it->first, it->second);
    it = windows_.erase(it);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<store::NewAuditEntry> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(std::move(r.second));
  return out;
}

}  // namespace fhirgw::gateway
