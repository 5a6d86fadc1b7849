#include "fhirgw/gateway/router.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <optional>

#include "fhirgw/common/log.hpp"

namespace fhirgw::gateway {
namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  if (!path.empty() && path[0] == '/') start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool isCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches decoded path segments against a rule's segments; captures go into params.
std::optional<std::map<std::string, std::string>> matchSegments(
    const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return std::nullopt;
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (isCapture(pattern[i])) {
      if (path[i].empty()) return std::nullopt;
      params[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return std::nullopt;
    }
  }
  return params;
}

}  // namespace

void Router::add(std::string method, const std::string& pattern, RoutePolicy policy,
                 Handler handler) {
  Rule rule{std::move(method), pattern, split(pattern), policy, std::move(handler)};
  rules_.push_back(std::move(rule));
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  std::vector<std::string> segments = split(path);
  for (auto& s : segments) {
    std::string decoded;
    try {
      Poco::URI::decode(s, decoded);
    } catch (const Poco::Exception&) {
      return result;  // undecodable path: nothing can match
    }
    s = std::move(decoded);
  }
  for (const Rule& rule : rules_) {
    auto params = matchSegments(rule.segments, segments);
    if (!params) continue;
    if (rule.method == method) {
      result.handler = &rule.handler;
      result.policy = &rule.policy;
      result.pattern = rule.pattern;
      result.params = std::move(*params);
      return result;
    }
    result.fallbackStatus = 405;
    result.pattern = rule.pattern;
    if (result.allow.find(rule.method) == std::string::npos) {
      result.allow += result.allow.empty() ? rule.method : ", " + rule.method;
    }
  }
  return result;
}

void Router::dispatch(Exchange& exchange) const {
  Match m = match(exchange.method(), exchange.path());
  exchange.setRoute(m.pattern.empty() ? "(unmatched)" : m.pattern);
  if (m.handler != nullptr) {
    exchange.setParams(std::move(m.params));
    if (m.policy->access != RoutePolicy::Access::kPublic) {
      if (!gate_) {
        common::Log::error("gateway.route-without-gate", {{"route", m.pattern}});
        exchange.sendError(500, "exception", "this route cannot check its caller");
        return;
      }
      if (!gate_(exchange, *m.policy)) return;  // the gate answered
    }
    (*m.handler)(exchange);
    return;
  }
  if (m.fallbackStatus == 405) {
    exchange.setHeader("Allow", m.allow);
    exchange.sendError(405, "not-supported",
                       "method " + exchange.method() + " is not allowed here; allowed: " + m.allow);
    return;
  }
  exchange.sendError(404, "not-found", "no such endpoint");
}

}  // namespace fhirgw::gateway
