#pragma once

#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

/// An absolute http(s) URL parsed and normalised with libcurl's URL API.
struct Url {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< lower case; IPv6 literals keep their brackets
  int port = 0;        ///< the effective port (the scheme's default when none was given)
  std::string path;    ///< never empty ("/" at least); no dot segments
  std::string query;   ///< without the '?'; empty when there is none
  std::string text;    ///< the normalised URL, the one to hand to a transport
};

/// Parses an absolute http(s) URL and refuses what could escape a prefix comparison or smuggle
/// credentials: dot segments (raw or percent-encoded), encoded slashes or backslashes (%2F, %5C),
/// backslashes, user info, fragments, control characters or spaces, empty host, non-http(s)
/// schemes. kInvalidArgument with an English reason (no URL echoed: it may be health-related).
Result<Url> parseHttpUrl(std::string_view text);

/// Parses the address of a mail server: `smtp://host[:port]` or `smtps://host[:port]` (default
/// ports 25 and 465), an empty or "/" path, nothing else: no user information, query, fragment,
/// spaces or control characters. The scheme is kept in `scheme`; kInvalidArgument otherwise.
Result<Url> parseSmtpUrl(std::string_view text);

/// True when url is under prefix: same scheme, host (case-insensitive), effective port, and
/// url's path equals prefix's path or continues it at a '/' boundary.
bool urlUnder(const Url& url, const Url& prefix);

}  // namespace fhirgw::common
