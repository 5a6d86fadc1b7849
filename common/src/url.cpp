#include "fhirgw/common/url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

namespace fhirgw::common {
namespace {

// Bounds what is handed to libcurl; endpoint URLs are short.
constexpr std::size_t kMaxUrlLength = 2048;

struct CurlUrlDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrlHandle = std::unique_ptr<CURLU, CurlUrlDeleter>;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A path segment is a dot segment when, with %2E decoded and any ";parameters" dropped (some
// servers read "..;" as ".."), it is "." or "..".
bool isDotSegment(std::string_view segment) {
  segment = segment.substr(0, segment.find(';'));
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
        lower(segment[i + 2]) == 'e') {
      decoded.push_back('.');
      i += 2;
    } else {
      decoded.push_back(segment[i]);
    }
  }
  return decoded == "." || decoded == "..";
}

// Checks on the raw text, before libcurl normalises parts of it away.
Status checkRawText(std::string_view text) {
  if (text.empty()) return invalidArgument("URL is empty");
  if (text.size() > kMaxUrlLength) return invalidArgument("URL is too long");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return invalidArgument("URL contains a space or control character");
    if (u >= 0x80) return invalidArgument("URL contains a non-ASCII character (percent-encode it)");
    if (c == '\\') return invalidArgument("URL contains a backslash");
    if (c == '#') return invalidArgument("URL has a fragment");
  }
  std::size_t afterScheme = 0;
  if (startsWithNoCase(text, "https://")) {
    afterScheme = 8;
  } else if (startsWithNoCase(text, "http://")) {
    afterScheme = 7;
  } else {
    return invalidArgument("URL must be absolute and start with http:// or https://");
  }
  const std::size_t authorityEnd = std::min(text.find_first_of("/?", afterScheme), text.size());
  const std::string_view authority = text.substr(afterScheme, authorityEnd - afterScheme);
  if (authority.empty()) return invalidArgument("URL has an empty host");
  if (authority.find('@') != std::string_view::npos) {
    return invalidArgument("URL must not carry user information");
  }
  if (authority.find('%') != std::string_view::npos) {
    return invalidArgument("URL host must not be percent-encoded");
  }
  const std::size_t queryStart = std::min(text.find('?', authorityEnd), text.size());
  const std::string_view path = text.substr(authorityEnd, queryStart - authorityEnd);
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (i + 2 >= path.size() || hexValue(path[i + 1]) < 0 || hexValue(path[i + 2]) < 0) {
      return invalidArgument("URL path has an invalid percent-encoding");
    }
    const int byte = hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]);
    if (byte == '/' || byte == '\\') {
      return invalidArgument("URL path has an encoded slash or backslash");
    }
    if (byte < 0x20 || byte == 0x7f) {
      return invalidArgument("URL path has an encoded control character");
    }
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (isDotSegment(path.substr(start, end - start))) {
      return invalidArgument("URL path has a dot segment");
    }
    start = end + 1;
  }
  const std::string_view query = text.substr(queryStart);
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (query[i] == '%' &&
        (i + 2 >= query.size() || hexValue(query[i + 1]) < 0 || hexValue(query[i + 2]) < 0)) {
      return invalidArgument("URL query has an invalid percent-encoding");
    }
  }
  return Status::ok();
}

Result<std::string> getPart(CURLU* handle, CURLUPart part, unsigned int flags) {
  char* value = nullptr;
  const CURLUcode rc = curl_url_get(handle, part, &value, flags);
  if (rc != CURLUE_OK) {
    if (rc == CURLUE_NO_QUERY || rc == CURLUE_NO_PORT || rc == CURLUE_NO_ZONEID) {
      return std::string();
    }
    return invalidArgument(std::string("URL is not valid (") + curl_url_strerror(rc) + ")");
  }
  std::string out(value);
  curl_free(value);
  return out;
}

// The host (lower case, not empty) and the effective port of a parsed URL.
Status readHostAndPort(CURLU* handle, Url& url) {
  FHIRGW_ASSIGN_OR_RETURN(url.host, getPart(handle, CURLUPART_HOST, 0));
  std::transform(url.host.begin(), url.host.end(), url.host.begin(), lower);
  if (url.host.empty() || url.host == "[]") return invalidArgument("URL has an empty host");
  FHIRGW_ASSIGN_OR_RETURN(const std::string port,
                          getPart(handle, CURLUPART_PORT, CURLU_DEFAULT_PORT));
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), url.port);
  if (ec != std::errc() || end != port.data() + port.size() || url.port <= 0 || url.port > 65535) {
    return invalidArgument("URL port is not valid");
  }
  return Status::ok();
}

}  // namespace

Result<Url> parseHttpUrl(std::string_view text) {
  FHIRGW_RETURN_IF_ERROR(checkRawText(text));
  CurlUrlHandle handle(curl_url());
  if (!handle) return internal("out of memory parsing a URL");
  const std::string input(text);
  // No CURLU_NON_SUPPORT_SCHEME: only schemes libcurl knows; http(s) checked below.
  const CURLUcode rc =
      curl_url_set(handle.get(), CURLUPART_URL, input.c_str(), CURLU_DISALLOW_USER);
  if (rc != CURLUE_OK) {
    return invalidArgument(std::string("URL is not valid (") + curl_url_strerror(rc) + ")");
  }
  Url url;
  FHIRGW_ASSIGN_OR_RETURN(url.scheme, getPart(handle.get(), CURLUPART_SCHEME, 0));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(), lower);
  if (url.scheme != "http" && url.scheme != "https") {
    return invalidArgument("URL scheme must be http or https");
  }
  if (auto zone = getPart(handle.get(), CURLUPART_ZONEID, 0); !zone || !zone->empty()) {
    return invalidArgument("URL must not carry an IPv6 zone id");
  }
  FHIRGW_RETURN_IF_ERROR(readHostAndPort(handle.get(), url));
  FHIRGW_ASSIGN_OR_RETURN(url.path, getPart(handle.get(), CURLUPART_PATH, 0));
  if (url.path.empty()) url.path = "/";
  FHIRGW_ASSIGN_OR_RETURN(url.query, getPart(handle.get(), CURLUPART_QUERY, 0));
  // The text handed to transports: libcurl's own rendering with the lower-cased host and the
  // default port left out, so that equal URLs have equal text.
  if (curl_url_set(handle.get(), CURLUPART_HOST, url.host.c_str(), 0) != CURLUE_OK ||
      curl_url_set(handle.get(), CURLUPART_SCHEME, url.scheme.c_str(), 0) != CURLUE_OK) {
    return invalidArgument("URL host is not valid");
  }
  FHIRGW_ASSIGN_OR_RETURN(url.text, getPart(handle.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT));
  return url;
}

Result<Url> parseSmtpUrl(std::string_view text) {
  if (text.empty()) return invalidArgument("URL is empty");
  if (text.size() > kMaxUrlLength) return invalidArgument("URL is too long");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return invalidArgument("URL contains a space or control character");
    if (c == '\\' || c == '#' || c == '?' || c == '%' || c == '@') {
      return invalidArgument("URL must be smtp://host:port or smtps://host:port, nothing else");
    }
  }
  if (!startsWithNoCase(text, "smtp://") && !startsWithNoCase(text, "smtps://")) {
    return invalidArgument("URL must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)");
  }
  CurlUrlHandle handle(curl_url());
  if (!handle) return internal("out of memory parsing a URL");
  const std::string input(text);
  const CURLUcode rc =
      curl_url_set(handle.get(), CURLUPART_URL, input.c_str(), CURLU_DISALLOW_USER);
  if (rc != CURLUE_OK) {
    return invalidArgument(std::string("URL is not valid (") + curl_url_strerror(rc) + ")");
  }
  Url url;
  FHIRGW_ASSIGN_OR_RETURN(url.scheme, getPart(handle.get(), CURLUPART_SCHEME, 0));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(), lower);
  FHIRGW_RETURN_IF_ERROR(readHostAndPort(handle.get(), url));
  FHIRGW_ASSIGN_OR_RETURN(url.path, getPart(handle.get(), CURLUPART_PATH, 0));
  if (!url.path.empty() && url.path != "/") {
    return invalidArgument("URL must not have a path (smtp://host:port)");
  }
  url.path = "/";
  url.text = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
  return url;
}

bool urlUnder(const Url& url, const Url& prefix) {
  if (url.scheme != prefix.scheme || url.port != prefix.port) return false;
  if (!equalsNoCase(url.host, prefix.host)) return false;
  const std::string_view path = url.path;
  const std::string_view base = prefix.path;
  if (path.size() < base.size() || path.compare(0, base.size(), base) != 0) return false;
  if (path.size() == base.size()) return true;
  return base.back() == '/' || path[base.size()] == '/';
}

}  // namespace fhirgw::common
