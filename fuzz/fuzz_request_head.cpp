// libFuzzer target: raw bytes as they arrive on the API listener -> gateway::inspectRequestHead,
// the framing check every request head passes before Poco parses it. Run with the gateway's
// limits and with tiny ones (so 414 / 431 are reached by short inputs), and checked against what
// the header promises:
// - a complete head lies inside the input, ends with its blank line, respects the limits, never
//   has both Content-Length and chunked, and every Content-Length field it kept is decimal and
//   equal to the framing length (finding 8); the same head alone gives the same answer;
// - a refusal maps to 400, 414, 431, 501 or 505, and more bytes never make it acceptable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fhirgw/gateway/request_head.hpp"

namespace {

namespace gateway = fhirgw::gateway;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_request_head: %s\n", what);
  std::abort();
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool namedAs(std::string_view name, std::string_view lowerCaseName) {
  if (name.size() != lowerCaseName.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (lower(name[i]) != lowerCaseName[i]) return false;
  }
  return true;
}

/// Every Content-Length field of an accepted head, and each element of a list in one, is the
/// decimal framing length; a Transfer-Encoding field means chunked.
void checkFraming(const gateway::RequestHead& head) {
  for (const auto& [name, value] : head.headers) {
    if (namedAs(name, "content-length")) {
      if (!head.contentLength) fail("a Content-Length field but no framing length");
      std::string_view rest = value;
      while (true) {
        const std::size_t comma = rest.find(',');
        std::string_view element = rest.substr(0, comma);
        while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
          element.remove_prefix(1);
        }
        while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) {
          element.remove_suffix(1);
        }
        std::uint64_t n = 0;
        if (element.empty()) fail("an empty Content-Length element accepted");
        for (char c : element) {
          if (c < '0' || c > '9') fail("a non-decimal Content-Length accepted");
          if (n > (UINT64_MAX - 9) / 10) fail("an overflowing Content-Length accepted");
          n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (n != *head.contentLength) fail("Content-Length values that differ accepted");
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (namedAs(name, "transfer-encoding") && !head.chunked) {
      fail("a Transfer-Encoding field accepted without chunked framing");
    }
  }
}

bool sameHead(const gateway::RequestHead& a, const gateway::RequestHead& b) {
  return a.complete == b.complete && a.headLength == b.headLength && a.method == b.method &&
         a.target == b.target && a.versionMinor == b.versionMinor && a.headers == b.headers &&
         a.contentLength == b.contentLength && a.chunked == b.chunked;
}

void inspect(std::string_view bytes, const gateway::HeadLimits& limits) {
  auto head = gateway::inspectRequestHead(bytes, limits);
  if (!head) {
    const int status = gateway::headRefusalHttpStatus(head.error());
    if (status != 400 && status != 414 && status != 431 && status != 501 && status != 505) {
      fail("a refusal without one of the documented statuses");
    }
    // More bytes (a body, a pipelined request) never make a refused head acceptable.
    std::string longer(bytes);
    longer += "\r\n\r\nX";
    if (gateway::inspectRequestHead(longer, limits)) fail("more bytes accepted a refused head");
    return;
  }
  if (!head->complete) return;
  if (head->headLength == 0 || head->headLength > bytes.size()) fail("headLength outside input");
  const std::string_view headBytes = bytes.substr(0, head->headLength);
  if (headBytes.size() < 2 || headBytes.substr(headBytes.size() - 1) != "\n") {
    fail("a complete head that does not end with a line end");
  }
  if (head->headers.size() > limits.maxHeaderCount) fail("more headers than maxHeaderCount");
  if (head->target.empty() || head->method.empty()) fail("a complete head without method/target");
  if (head->target.size() > limits.maxRequestLineBytes) fail("a target over the line limit");
  if (head->contentLength && head->chunked) fail("Content-Length and chunked both accepted");
  checkFraming(*head);
  // The head alone, without what follows it, gives the same answer.
  auto alone = gateway::inspectRequestHead(headBytes, limits);
  if (!alone || !sameHead(*alone, *head)) fail("the head alone is read differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  inspect(bytes, gateway::HeadLimits{});
  gateway::HeadLimits tiny;
  tiny.maxRequestLineBytes = 64;
  tiny.maxHeaderBytes = 256;
  tiny.maxHeaderCount = 4;
  inspect(bytes, tiny);
  return 0;
}
