#include "fhirgw/gateway/housekeeper.hpp"

#include <utility>

#include "fhirgw/common/log.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::gateway {

using common::Log;

Housekeeper::Housekeeper(Purge purge, std::chrono::milliseconds interval)
    : purge_(std::move(purge)), interval_(interval) {}

Housekeeper::~Housekeeper() { stop(); }

void Housekeeper::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Housekeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

common::Result<std::int64_t> Housekeeper::runOnce() {
  const auto started = std::chrono::steady_clock::now();
  common::Result<std::int64_t> purged = purge_();
  const auto durationUs = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  if (purged) {
    // A quiet pass is routine: worth a line only at debug level.
    Log::write(*purged > 0 ? common::LogLevel::kInfo : common::LogLevel::kDebug,
               "gateway.idempotency-purged",
               {{"purged", *purged}, {"durationUs", static_cast<std::int64_t>(durationUs)}});
  } else {
    // Store messages name the operation and the database error, never a key or a body.
    Log::warning("gateway.idempotency-purge-failed",
                 {{"code", common::statusCodeName(purged.error().code())},
                  {"reason", purged.error().message()}});
  }
  {
    std::lock_guard lock(mutex_);
    ++passes_;
  }
  passDone_.notify_all();
  return purged;
}

std::int64_t Housekeeper::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

bool Housekeeper::awaitPasses(std::int64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return passDone_.wait_for(lock, timeout, [&] { return passes_ >= n; });
}

void Housekeeper::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    (void)runOnce();  // logged there; the next pass retries
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace fhirgw::gateway
