#include "fhirgw/gateway/request_head.hpp"

#include <cstdint>
#include <limits>

namespace fhirgw::gateway {
namespace {

// Refusal messages carry no request bytes: they reach logs and answers.
constexpr std::string_view kRequestLinePrefix = "request line longer than";
constexpr std::string_view kVersionPrefix = "HTTP version";

common::Status badRequest(std::string message) {
  return common::invalidArgument(std::move(message));
}

common::Status requestLineTooLong(const HeadLimits& limits) {
  return common::resourceExhausted(std::string(kRequestLinePrefix) + " " +
                                   std::to_string(limits.maxRequestLineBytes) + " bytes");
}

common::Status headerSectionTooLarge(const HeadLimits& limits) {
  return common::resourceExhausted("header section larger than " +
                                   std::to_string(limits.maxHeaderBytes) + " bytes");
}

bool isTchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool isFieldValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

bool isTargetChar(unsigned char c) { return c > 0x20 && c != 0x7F; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// One line without its line end; complete is false when no LF follows yet.
struct Line {
  std::string_view text;
  std::size_t length = 0;  ///< including the line end
  bool complete = false;
};

/// The line starting at pos. A CR is only allowed right before the LF.
common::Result<Line> lineAt(std::string_view bytes, std::size_t pos) {
  Line line;
  const std::size_t lf = bytes.find('\n', pos);
  const std::size_t end = lf == std::string_view::npos ? bytes.size() : lf;
  std::string_view text = bytes.substr(pos, end - pos);
  // Without an LF yet, a trailing CR may be the first half of a CRLF still in flight.
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.find('\r') != std::string_view::npos) return badRequest("bare CR in request head");
  line.text = text;
  line.complete = lf != std::string_view::npos;
  line.length = line.complete ? lf + 1 - pos : bytes.size() - pos;
  return line;
}

common::Status parseRequestLine(std::string_view line, RequestHead& head) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return badRequest("malformed request line");
  const std::string_view method = line.substr(0, sp1);
  for (char c : method) {
    if (!isTchar(static_cast<unsigned char>(c))) return badRequest("malformed request method");
  }
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return badRequest("malformed request line");
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : target) {
    if (!isTargetChar(static_cast<unsigned char>(c))) {
      return badRequest("invalid character in request target");
    }
  }
  const std::string_view version = line.substr(sp2 + 1);
  const bool shaped = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                      version[5] <= '9' && version[6] == '.' && version[7] >= '0' &&
                      version[7] <= '9';
  if (!shaped) return badRequest("malformed HTTP version in request line");
  if (version[5] != '1') {
    return common::unimplemented(std::string(kVersionPrefix) + " " + std::string(version) +
                                 " not supported");
  }
  head.method = std::string(method);
  head.target = std::string(target);
  head.versionMinor = version[7] - '0';
  return common::Status::ok();
}

common::Status parseField(std::string_view line, RequestHead& head) {
  if (line.front() == ' ' || line.front() == '\t') {
    return badRequest("obsolete line folding in header section");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return badRequest("header field without a colon");
  if (colon == 0) return badRequest("empty header field name");
  const std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!isTchar(static_cast<unsigned char>(c))) {
      return badRequest("invalid character in header field name");
    }
  }
  const std::string_view value = trimOws(line.substr(colon + 1));
  for (char c : value) {
    if (!isFieldValueChar(static_cast<unsigned char>(c))) {
      return badRequest("control character in header field value");
    }
  }
  head.headers.emplace_back(std::string(name), std::string(value));
  return common::Status::ok();
}

/// Content-Length as a comma list of equal decimal values (RFC 9110 §8.6), fitting an int64.
common::Status foldContentLength(std::string_view value, std::optional<std::uint64_t>& length) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item =
        trimOws(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    if (item.empty()) return badRequest("Content-Length is not a decimal number");
    std::uint64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') return badRequest("Content-Length is not a decimal number");
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (n > (kMax - digit) / 10) return badRequest("Content-Length too large");
      n = n * 10 + digit;
    }
    if (length && *length != n) return badRequest("conflicting Content-Length values");
    length = n;
    if (comma == std::string_view::npos) return common::Status::ok();
    start = comma + 1;
  }
}

common::Status checkFraming(RequestHead& head) {
  int hosts = 0;
  bool hasTransferEncoding = false;
  int chunkedCount = 0;
  bool otherCoding = false;
  bool chunkedLast = false;
  for (const auto& [name, value] : head.headers) {
    if (equalsIgnoreCase(name, "Host")) {
      ++hosts;
    } else if (equalsIgnoreCase(name, "Content-Length")) {
      if (common::Status s = foldContentLength(value, head.contentLength); !s.isOk()) return s;
    } else if (equalsIgnoreCase(name, "Transfer-Encoding")) {
      hasTransferEncoding = true;
      std::string_view rest = value;
      while (true) {
        const std::size_t comma = rest.find(',');
        const std::string_view coding = trimOws(rest.substr(0, comma));
        if (!coding.empty()) {
          const bool chunked = equalsIgnoreCase(coding, "chunked");
          chunkedCount += chunked ? 1 : 0;
          otherCoding = otherCoding || !chunked;
          chunkedLast = chunked;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (hosts > 1) return badRequest("more than one Host header");
  if (hosts == 0 && head.versionMinor >= 1) return badRequest("missing Host header");
  if (!hasTransferEncoding) return common::Status::ok();
  if (head.contentLength) return badRequest("both Content-Length and Transfer-Encoding");
  if (head.versionMinor == 0) return badRequest("Transfer-Encoding in an HTTP/1.0 request");
  if (chunkedCount == 0 && !otherCoding) return badRequest("empty Transfer-Encoding");
  if (otherCoding) return common::unimplemented("transfer coding other than chunked");
  if (chunkedCount > 1 || !chunkedLast) return badRequest("chunked applied more than once");
  head.chunked = true;
  return common::Status::ok();
}

}  // namespace

common::Result<RequestHead> inspectRequestHead(std::string_view headBytes,
                                               const HeadLimits& limits) {
  RequestHead head;
  std::size_t pos = 0;
  // RFC 9112 §2.2: empty lines before the request line are ignored (bounded like the line).
  while (pos < headBytes.size() && (headBytes[pos] == '\r' || headBytes[pos] == '\n')) {
    if (headBytes[pos] == '\r' && pos + 1 < headBytes.size() && headBytes[pos + 1] != '\n') {
      return badRequest("bare CR in request head");
    }
    ++pos;
    if (pos > limits.maxRequestLineBytes) return badRequest("too many empty lines before request");
  }
  auto requestLine = lineAt(headBytes, pos);
  if (!requestLine) return requestLine.error();
  if (requestLine->text.size() > limits.maxRequestLineBytes) return requestLineTooLong(limits);
  if (!requestLine->complete) return head;
  if (common::Status s = parseRequestLine(requestLine->text, head); !s.isOk()) return s;
  pos += requestLine->length;

  std::size_t sectionBytes = 0;
  while (true) {
    auto line = lineAt(headBytes, pos);
    if (!line) return line.error();
    sectionBytes += line->length;
    if (sectionBytes > limits.maxHeaderBytes) return headerSectionTooLarge(limits);
    if (!line->complete) {
      head.headers.clear();
      return head;
    }
    pos += line->length;
    if (line->text.empty()) break;
    if (head.headers.size() >= limits.maxHeaderCount) {
      return common::resourceExhausted("more than " + std::to_string(limits.maxHeaderCount) +
                                       " header fields");
    }
    if (common::Status s = parseField(line->text, head); !s.isOk()) return s;
  }
  if (common::Status s = checkFraming(head); !s.isOk()) return s;
  head.complete = true;
  head.headLength = pos;
  return head;
}

int headRefusalHttpStatus(const common::Status& refusal) {
  switch (refusal.code()) {
    case common::StatusCode::kResourceExhausted:
      return refusal.message().rfind(kRequestLinePrefix, 0) == 0 ? 414 : 431;
    case common::StatusCode::kUnimplemented:
      return refusal.message().rfind(kVersionPrefix, 0) == 0 ? 505 : 501;
    default:
      return 400;
  }
}

}  // namespace fhirgw::gateway
