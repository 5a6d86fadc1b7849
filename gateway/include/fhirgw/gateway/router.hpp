#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway {

/// A request handler. It must answer through the Exchange; exceptions are caught by the caller.
using Handler = std::function<void(Exchange&)>;

/// Who may call a route. The router checks it before the handler runs, so handlers never repeat
/// the check and no route can be added without saying who may call it.
struct RoutePolicy {
  enum class Access { kPublic, kEditor, kAdmin };
  Access access = Access::kPublic;
  bool rateLimited = false;  ///< counted against the caller's per-minute limit

  /// Anyone, no credentials (health, metadata).
  static constexpr RoutePolicy open() { return {}; }
  /// An editor key, within its client's rate limit.
  static constexpr RoutePolicy editor() { return {Access::kEditor, true}; }
  /// An administrator key.
  static constexpr RoutePolicy admin() { return {Access::kAdmin, false}; }
};

/// Enforces a route's policy before its handler: answers itself (401, 403, 429, 503) and returns
/// false when the request may not proceed.
using Gate = std::function<bool(Exchange&, const RoutePolicy&)>;

/// A composite router of (method, path pattern) rules with 404 and 405 fallbacks, never a null
/// handler. Patterns are '/'-separated; a segment "{name}" captures one non-empty,
/// percent-decoded segment.
class Router {
 public:
  /// The result of matching: a handler, or the fallback status with the allowed methods.
  struct Match {
    const Handler* handler = nullptr;
    const RoutePolicy* policy = nullptr;        ///< the matched route's policy
    std::string pattern;                        ///< the route, for logs and metrics
    std::map<std::string, std::string> params;  ///< captured segments
    int fallbackStatus = 404;                   ///< 404 (no path) or 405 (path, not method)
    std::string allow;                          ///< "GET, POST" for a 405
  };

  /// gate: checks the policies of routes that are not open; without one such routes answer 500
  /// (closed, never open by mistake).
  explicit Router(Gate gate = {}) : gate_(std::move(gate)) {}

  /// Adds a rule. Later rules never shadow earlier ones with the same method and pattern.
  void add(std::string method, const std::string& pattern, RoutePolicy policy, Handler handler);
  /// Finds the rule for method and path.
  Match match(const std::string& method, const std::string& path) const;
  /// Checks the matching route's policy through the gate and runs its handler, or answers 404 /
  /// 405 (with Allow) as an OperationOutcome.
  void dispatch(Exchange& exchange) const;

 private:
  struct Rule {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RoutePolicy policy;
    Handler handler;
  };
  Gate gate_;
  std::vector<Rule> rules_;
};

}  // namespace fhirgw::gateway
