#include "fhirgw/gateway/auth.hpp"

#include <algorithm>
#include <cmath>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/api_keys.hpp"

namespace fhirgw::gateway {
namespace {

constexpr std::string_view kBearer = "Bearer ";

void refuse(Exchange& ex, int status, std::string_view issueType, std::string message) {
  if (status == 401) ex.setHeader("WWW-Authenticate", "Bearer");
  ex.sendError(status, issueType, std::move(message));
}

}  // namespace

Authenticator::Authenticator(const store::ClientStore& store,
                             const std::string& configuredAdminToken)
    : store_(store),
      adminTokenHash_(configuredAdminToken.empty() ? std::string()
                                                   : common::hashSecret(configuredAdminToken)) {}

std::optional<Principal> Authenticator::require(Exchange& ex, store::ClientRole role) const {
  const std::string header = ex.header("Authorization");
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    refuse(ex, 401, "login", "missing bearer token (Authorization: Bearer <key>)");
    return std::nullopt;
  }
  const std::string_view token = std::string_view(header).substr(kBearer.size());

  Principal principal;
  if (!adminTokenHash_.empty() && common::verifySecret(token, adminTokenHash_)) {
    principal.clientId = "admin-token";
    principal.role = store::ClientRole::kAdmin;
  } else {
    auto client = authenticateApiKey(store_, token);
    if (!client) {
      if (client.error().code() == common::StatusCode::kUnauthenticated) {
        refuse(ex, 401, "login", "invalid API key");
      } else {
        ex.sendStatus(common::unavailable("the store cannot check credentials now; retry"));
      }
      return std::nullopt;
    }
    principal.clientId = client->id;
    principal.role = client->role;
    principal.rateLimit = client->rateLimit;
  }
  ex.setClientId(principal.clientId);
  if (principal.role != role) {
    refuse(ex, 403, "forbidden",
           std::string("this key has role ") + std::string(store::clientRoleName(principal.role)) +
               "; the endpoint needs " + std::string(store::clientRoleName(role)));
    return std::nullopt;
  }
  return principal;
}

common::Result<std::optional<std::string>> bootstrapAdmin(store::ClientStore& store,
                                                          const std::string& configuredAdminToken) {
  if (!configuredAdminToken.empty()) return std::optional<std::string>();
  auto existing = store.getClient(kBootstrapAdminId);
  if (existing) return std::optional<std::string>();
  if (existing.error().code() != common::StatusCode::kNotFound) return existing.error();
  const GeneratedApiKey key = generateApiKey();
  store::NewClient client;
  client.id = std::string(kBootstrapAdminId);
  client.name = "bootstrap administrator";
  client.role = store::ClientRole::kAdmin;
  if (common::Status s = store.createClient(client, key.stored()); !s.isOk()) {
    // Another instance sharing the store may have just created it: then it printed the token.
    if (s.code() == common::StatusCode::kAlreadyExists) return std::optional<std::string>();
    return s;
  }
  return std::optional<std::string>(key.token);
}

std::optional<std::chrono::seconds> RateLimiter::throttle(const Principal& principal) {
  if (!principal.rateLimit || *principal.rateLimit <= 0) return std::nullopt;
  if (shared_ != nullptr) {
    auto taken = shared_->takeRequest(principal.clientId, *principal.rateLimit);
    if (taken) {
      if (const std::int64_t failures = sharedFailures_.succeeded(); failures > 0) {
        common::Log::info("gateway.shared-rate-limit-recovered", {{"failures", failures}});
      }
      if (!*taken) return std::nullopt;
      const auto seconds = std::chrono::ceil<std::chrono::seconds>(**taken);
      return std::max(seconds, std::chrono::seconds(1));
    }
    if (const std::int64_t failures = sharedFailures_.failed(); failures > 0) {
      common::Log::warning(
          "gateway.shared-rate-limit-failed",
          {{"code", common::statusCodeName(taken.error().code())}, {"failures", failures}});
    }
  }
  return local(principal.clientId, *principal.rateLimit);
}

std::optional<std::chrono::seconds> RateLimiter::local(const std::string& clientId,
                                                       std::int64_t limit) {
  const double perMinute = static_cast<double>(limit);
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto [it, inserted] = buckets_.try_emplace(clientId);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = perMinute;
  } else {
    const double elapsedMinutes =
        std::chrono::duration<double, std::ratio<60>>(now - b.refilledAt).count();
    b.tokens = std::min(perMinute, b.tokens + std::max(0.0, elapsedMinutes) * perMinute);
  }
  b.refilledAt = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const auto wait = static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) * 60.0 / perMinute));
  return std::chrono::seconds(std::max<std::int64_t>(1, wait));
}

bool AccessGate::admit(Exchange& ex, const RoutePolicy& policy) const {
  if (policy.access == RoutePolicy::Access::kPublic) return true;
  const auto role = policy.access == RoutePolicy::Access::kAdmin ? store::ClientRole::kAdmin
                                                                 : store::ClientRole::kEditor;
  auto principal = auth_.require(ex, role);
  if (!principal) return false;
  if (!policy.rateLimited) return true;
  if (const auto wait = limiter_.throttle(*principal)) {
    const std::string seconds = std::to_string(wait->count());
    ex.setHeader("Retry-After", seconds);
    ex.sendError(429, "throttled", "rate limit exceeded; retry after " + seconds + " s");
    return false;
  }
  return true;
}

}  // namespace fhirgw::gateway
