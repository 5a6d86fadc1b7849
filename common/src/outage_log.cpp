#include "fhirgw/common/outage_log.hpp"

namespace fhirgw::common {

std::int64_t OutageLog::failed() {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.now();
  ++failures_;
  ++unlogged_;
  const bool first = !down_.exchange(true);
  if (!first && now - loggedAt_ < repeat_) return 0;
  loggedAt_ = now;
  const std::int64_t standsFor = unlogged_;
  unlogged_ = 0;
  return standsFor;
}

std::int64_t OutageLog::succeeded() {
  if (!down_.load(std::memory_order_acquire)) return 0;
  std::lock_guard lock(mutex_);
  if (!down_.exchange(false)) return 0;  // another thread saw the end first
  const std::int64_t outage = failures_;
  failures_ = 0;
  unlogged_ = 0;
  return outage;
}

}  // namespace fhirgw::common
