#include "postgresql/url.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace fhirgw::store::detail::pg {
namespace {

// True when the authority (between "://" and the first '/', '?' or '#') has a password
// ("user:password@host"). Checked before libpq sees the url, so no libpq error can quote it.
bool hasUserPassword(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return false;
  return authority.substr(0, at).find(':') != std::string_view::npos;
}

// "5432" or, with several hosts, "5432,5433" (an empty entry takes the default port).
bool isPortList(std::string_view text) {
  while (true) {
    const auto comma = text.find(',');
    const std::string_view one = text.substr(0, comma);
    if (!one.empty()) {
      if (one.size() > 5 || one.find_first_not_of("0123456789") != std::string_view::npos) {
        return false;
      }
      const int port = std::stoi(std::string(one));
      if (port < 1 || port > 65535) return false;
    }
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace

common::Result<ConnectParams> connectParams(std::string_view url, const StoreOptions& options) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return common::invalidArgument("storage.url: a PostgreSQL url starts with postgresql://");
  }
  constexpr std::string_view kNoPassword =
      "storage.url: must not carry a password; give it with storage.passwordFile or "
      "storage.passwordVariable (or libpq's PGPASSFILE / ~/.pgpass)";
  if (hasUserPassword(url)) return common::invalidArgument(std::string(kNoPassword));
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(std::string(url).c_str(), &error);
  if (parsed == nullptr) {
    // libpq's reason names the part it could not read (a parameter name, a port).
    std::string reason = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return common::invalidArgument("storage.url: not a PostgreSQL url libpq accepts: " + reason);
  }
  ConnectParams params;
  bool refused = false;
  for (const PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "password" || keyword == "sslpassword") {
      refused = true;
      break;
    }
    if (keyword == "port" && !isPortList(option->val)) {
      // libpq would only say so when connecting (an unavailable store, not a bad setting).
      PQconninfoFree(parsed);
      return common::invalidArgument("storage.url: the port must be a number (1-65535)");
    }
    params.values.emplace_back(std::string(keyword), std::string(option->val));
  }
  PQconninfoFree(parsed);
  if (refused) return common::invalidArgument(std::string(kNoPassword));

  const auto has = [&params](std::string_view keyword) {
    return std::any_of(params.values.begin(), params.values.end(),
                       [keyword](const auto& kv) { return kv.first == keyword; });
  };
  if (!options.password.empty()) params.values.emplace_back("password", options.password);
  if (!has("application_name")) params.values.emplace_back("application_name", "fhir-gateway");
  if (!has("connect_timeout")) {
    const auto seconds = std::max<long long>(
        2, std::chrono::duration_cast<std::chrono::seconds>(options.busyTimeout).count());
    params.values.emplace_back("connect_timeout", std::to_string(seconds));
  }
  return params;
}

}  // namespace fhirgw::store::detail::pg
