#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway {

/// A request handler. It must answer through the Exchange; exceptions are caught by the caller.
using Handler = std::function<void(Exchange&)>;

/// A composite router of (method, path pattern) rules with 404 and 405 fallbacks, never a null
/// handler. Patterns are '/'-separated; a segment "{name}" captures one non-empty,
/// percent-decoded segment.
class Router {
 public:
  /// The result of matching: a handler, or the fallback status with the allowed methods.
  struct Match {
    const Handler* handler = nullptr;
    std::string pattern;                        ///< the route, for logs and metrics
    std::map<std::string, std::string> params;  ///< captured segments
    int fallbackStatus = 404;                   ///< 404 (no path) or 405 (path, not method)
    std::string allow;                          ///< "GET, POST" for a 405
  };

  /// Adds a rule. Later rules never shadow earlier ones with the same method and pattern.
  void add(std::string method, std::string pattern, Handler handler);
  /// Finds the rule for method and path.
  Match match(const std::string& method, const std::string& path) const;
  /// Runs the matching handler, or answers 404 / 405 (with Allow) as an OperationOutcome.
  void dispatch(Exchange& exchange) const;

 private:
  struct Rule {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Rule> rules_;
};

}  // namespace fhirgw::gateway
