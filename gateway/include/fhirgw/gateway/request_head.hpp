#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/result.hpp"

namespace fhirgw::gateway {

/// Bounds on an HTTP/1.x request head, checked before any parser sees it.
struct HeadLimits {
  std::size_t maxRequestLineBytes =
      std::size_t{8} * 1024;  ///< request line, without its line end (414)
  std::size_t maxHeaderBytes =
      std::size_t{32} * 1024;        ///< header section incl. the blank line (431)
  std::size_t maxHeaderCount = 100;  ///< header fields (431)
};

/// What a well-framed request head says, as far as framing is concerned.
struct RequestHead {
  /// False when headBytes holds no end of head yet and nothing seen so far is refused: the
  /// caller waits for more bytes. The other fields are only meaningful when complete.
  bool complete = false;
  std::size_t headLength = 0;  ///< bytes of the head including the blank line
  std::string method;
  std::string target;
  int versionMinor = 1;                                      ///< HTTP/1.<versionMinor>
  std::vector<std::pair<std::string, std::string>> headers;  ///< in order, values trimmed
  std::optional<std::uint64_t> contentLength;                ///< after folding equal duplicates
  bool chunked = false;                                      ///< Transfer-Encoding: chunked
};

/// Checks the framing of a request head (RFC 9112) on raw bytes starting at the request line
/// (leading empty lines are skipped). headBytes may extend past the head (body, pipelined bytes)
/// or stop before its end (then the result is incomplete unless something is already refused).
/// Refuses, with the HTTP status given by headRefusalHttpStatus(): a malformed request line,
/// bare CR, obs-fold, NUL or control characters, a malformed field name, a missing or repeated
/// Host in HTTP/1.1, Content-Length values that differ, are not decimal or overflow,
/// Content-Length with Transfer-Encoding (400); a request line over the limit (414); a header
/// section or count over the limit (431); a transfer coding other than `chunked` (501); an
/// HTTP major version other than 1 (505).
/// Pure: no I/O, no allocation beyond the result; safe on any input (fuzzed).
common::Result<RequestHead> inspectRequestHead(std::string_view headBytes,
                                               const HeadLimits& limits);

/// The HTTP status for a refusal returned by inspectRequestHead (400, 414, 431, 501 or 505).
int headRefusalHttpStatus(const common::Status& refusal);

}  // namespace fhirgw::gateway
