#include "fhirgw/gateway/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fhirgw::gateway {
namespace {

HeadLimits limits() { return HeadLimits{}; }

/// The HTTP status of a refused head, or 0 when it was accepted (complete or not).
int refusal(std::string_view bytes, const HeadLimits& l = limits()) {
  auto head = inspectRequestHead(bytes, l);
  return head ? 0 : headRefusalHttpStatus(head.error());
}

std::string get(std::string extra = {}) {
  return "GET /fhir/Patient HTTP/1.1\r\nHost: gw\r\n" + extra + "\r\n";
}

std::string post(std::string framing) {
  return "POST /api/v1/teleconsultations HTTP/1.1\r\nHost: gw\r\n" + framing + "\r\n";
}

TEST(RequestHead, NormalGetIsCompleteWithItsParts) {
  const std::string bytes = get("Accept: application/fhir+json\r\n") + "leftover";
  auto head = inspectRequestHead(bytes, limits());
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->complete);
  EXPECT_EQ(head->headLength, bytes.size() - 8);
  EXPECT_EQ(head->method, "GET");
  EXPECT_EQ(head->target, "/fhir/Patient");
  EXPECT_EQ(head->versionMinor, 1);
  ASSERT_EQ(head->headers.size(), 2U);
  EXPECT_EQ(head->headers[1].first, "Accept");
  EXPECT_EQ(head->headers[1].second, "application/fhir+json");
  EXPECT_FALSE(head->contentLength);
  EXPECT_FALSE(head->chunked);
}

TEST(RequestHead, PostWithContentLengthIsAccepted) {
  auto head = inspectRequestHead(post("Content-Length: 42\r\n"), limits());
  ASSERT_TRUE(head);
  ASSERT_TRUE(head->contentLength);
  EXPECT_EQ(*head->contentLength, 42U);
}

TEST(RequestHead, ChunkedPostIsAccepted) {
  auto head = inspectRequestHead(post("Transfer-Encoding: Chunked\r\n"), limits());
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->chunked);
}

TEST(RequestHead, BareLineFeedsAreAccepted) {
  auto head = inspectRequestHead("GET / HTTP/1.1\nHost: gw\n\n", limits());
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->complete);
  EXPECT_EQ(head->headLength, 25U);
}

TEST(RequestHead, LeadingEmptyLinesAreSkipped) {
  auto head = inspectRequestHead("\r\n\r\n" + get(), limits());
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->complete);
  EXPECT_EQ(head->method, "GET");
}

TEST(RequestHead, Http10WithoutHostIsAccepted) {
  auto head = inspectRequestHead("GET / HTTP/1.0\r\n\r\n", limits());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->versionMinor, 0);
}

TEST(RequestHead, EveryPrefixOfAGoodHeadIsIncompleteNotRefused) {
  const std::string bytes = post("Content-Length: 10\r\nX-Request-ID: abc\r\n");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto head = inspectRequestHead(std::string_view(bytes).substr(0, n), limits());
    ASSERT_TRUE(head) << "prefix " << n << ": " << head.error().message();
    EXPECT_FALSE(head->complete) << "prefix " << n;
  }
  auto whole = inspectRequestHead(bytes, limits());
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->complete);
}

TEST(RequestHead, SameContentLengthTwiceIsFolded) {
  auto twice = inspectRequestHead(post("Content-Length: 5\r\nContent-Length: 5\r\n"), limits());
  ASSERT_TRUE(twice);
  EXPECT_EQ(*twice->contentLength, 5U);
  auto listed = inspectRequestHead(post("Content-Length: 5, 5\r\n"), limits());
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed->contentLength, 5U);
}

TEST(RequestHead, DifferentContentLengthsAreRefused) {
  EXPECT_EQ(refusal(post("Content-Length: 5\r\nContent-Length: 6\r\n")), 400);
  EXPECT_EQ(refusal(post("Content-Length: 5, 6\r\n")), 400);
}

TEST(RequestHead, ContentLengthWithTransferEncodingIsRefused) {
  EXPECT_EQ(refusal(post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(refusal(post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")), 400);
}

TEST(RequestHead, TransferCodingsOtherThanChunkedAreNotImplemented) {
  EXPECT_EQ(refusal(post("Transfer-Encoding: gzip\r\n")), 501);
  EXPECT_EQ(refusal(post("Transfer-Encoding: gzip, chunked\r\n")), 501);
  EXPECT_EQ(refusal(post("Transfer-Encoding: identity\r\n")), 501);
}

TEST(RequestHead, MisplacedOrRepeatedChunkedIsRefused) {
  EXPECT_EQ(refusal(post("Transfer-Encoding: chunked, chunked\r\n")), 400);
  EXPECT_EQ(refusal(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(refusal(post("Transfer-Encoding: \r\n")), 400);
  EXPECT_EQ(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(RequestHead, MalformedContentLengthsAreRefused) {
  for (const char* value : {"abc", "-1", "+5", "5a", "0x10", "", "1 2", "5,", ",5", "1.0"}) {
    EXPECT_EQ(refusal(post(std::string("Content-Length: ") + value + "\r\n")), 400) << value;
  }
}

TEST(RequestHead, ContentLengthAtInt64MaxIsAcceptedAndBeyondIsRefused) {
  auto max = inspectRequestHead(post("Content-Length: 9223372036854775807\r\n"), limits());
  ASSERT_TRUE(max);
  EXPECT_EQ(*max->contentLength, 9223372036854775807ULL);
  EXPECT_EQ(refusal(post("Content-Length: 9223372036854775808\r\n")), 400);
  EXPECT_EQ(refusal(post("Content-Length: 99999999999999999999999\r\n")), 400);
}

TEST(RequestHead, ObsFoldIsRefused) {
  EXPECT_EQ(refusal(get("X-A: one\r\n two\r\n")), 400);
  EXPECT_EQ(refusal(get("X-A: one\r\n\ttwo\r\n")), 400);
}

TEST(RequestHead, BareCarriageReturnIsRefusedEvenBeforeTheHeadEnds) {
  EXPECT_EQ(refusal(get("X-A: one\rtwo\r\n")), 400);
  EXPECT_EQ(refusal("GET /a\rb HTTP/1.1\r\nHost: gw\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nX-A: a\rb"), 400);
  EXPECT_EQ(refusal("\rGET / HTTP/1.1\r\n"), 400);
}

TEST(RequestHead, ControlCharactersAreRefused) {
  EXPECT_EQ(refusal(get(std::string("X-A\0B: v\r\n", 10))), 400);
  EXPECT_EQ(refusal(get(std::string("X-A: v\0w\r\n", 10))), 400);
  EXPECT_EQ(refusal(get("X-A: v\x01w\r\n")), 400);
  EXPECT_EQ(refusal(get("X-A: v\x7fw\r\n")), 400);
  EXPECT_EQ(refusal("GET /\x01 HTTP/1.1\r\nHost: gw\r\n\r\n"), 400);
}

TEST(RequestHead, TabsAndHighBytesInValuesAreAccepted) {
  auto head = inspectRequestHead(get("X-A: a\tb \xc3\xa9\r\n"), limits());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->headers.back().second, "a\tb \xc3\xa9");
}

TEST(RequestHead, MalformedFieldNamesAreRefused) {
  EXPECT_EQ(refusal(get("X-A : v\r\n")), 400);
  EXPECT_EQ(refusal(get(": v\r\n")), 400);
  EXPECT_EQ(refusal(get("NoColon\r\n")), 400);
  EXPECT_EQ(refusal(get("X(A): v\r\n")), 400);
}

TEST(RequestHead, MalformedRequestLinesAreRefused) {
  for (const char* line : {"GET /\r\n", "GET  / HTTP/1.1\r\n", "GET / HTTP/1.1 x\r\n",
                           " GET / HTTP/1.1\r\n", "GET / http/1.1\r\n", "GET / HTTP/1.10\r\n",
                           "G(T / HTTP/1.1\r\n", "GET /\tx HTTP/1.1\r\n"}) {
    EXPECT_EQ(refusal(std::string(line) + "Host: gw\r\n\r\n"), 400) << line;
  }
}

TEST(RequestHead, OtherHttpMajorVersionsAreRefusedWith505) {
  EXPECT_EQ(refusal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
  EXPECT_EQ(refusal("GET / HTTP/0.9\r\nHost: gw\r\n\r\n"), 505);
}

TEST(RequestHead, HostMustAppearOnceInHttp11) {
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refusal(get("Host: other\r\n")), 400);
}

TEST(RequestHead, RequestLineLimitIsInclusive) {
  HeadLimits l;
  l.maxRequestLineBytes = 64;
  const std::string prefix = "GET /";
  const std::string suffix = " HTTP/1.1";
  const std::string atLimit =
      prefix + std::string(64 - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(atLimit.size(), 64U);
  EXPECT_EQ(refusal(atLimit + "\r\nHost: gw\r\n\r\n", l), 0);
  const std::string over = prefix + std::string(65 - prefix.size() - suffix.size(), 'a') + suffix;
  EXPECT_EQ(refusal(over + "\r\nHost: gw\r\n\r\n", l), 414);
}

TEST(RequestHead, AnUnfinishedOverlongRequestLineIsRefusedEarly) {
  HeadLimits l;
  l.maxRequestLineBytes = 64;
  EXPECT_EQ(refusal("GET /" + std::string(59, 'a'), l), 0);
  EXPECT_EQ(refusal("GET /" + std::string(59, 'a') + "\r", l), 0);
  EXPECT_EQ(refusal("GET /" + std::string(60, 'a'), l), 414);
  EXPECT_EQ(refusal("GET /" + std::string(100 * 1024, 'a')), 414);
}

TEST(RequestHead, HeaderSectionLimitCountsTheBlankLine) {
  HeadLimits l;
  l.maxHeaderBytes = 64;
  // "Host: gw\r\n" (10) + "X-A: ...\r\n" + "\r\n" (2) == 64 exactly.
  const std::string field = "X-A: " + std::string(64 - 10 - 2 - 7, 'v') + "\r\n";
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: gw\r\n" + field + "\r\n", l), 0);
  const std::string bigger = "X-A: " + std::string(64 - 10 - 2 - 6, 'v') + "\r\n";
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: gw\r\n" + bigger + "\r\n", l), 431);
}

TEST(RequestHead, AnUnfinishedOversizedHeaderSectionIsRefusedEarly) {
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: gw\r\nX-A: " + std::string(40 * 1024, 'v')), 431);
}

TEST(RequestHead, HeaderCountLimitIsInclusive) {
  HeadLimits l;
  l.maxHeaderCount = 5;
  std::string four;
  for (int i = 0; i < 4; ++i) four += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(refusal(get(four), l), 0);  // Host + 4 == 5
  EXPECT_EQ(refusal(get(four + "X-9: v\r\n"), l), 431);
  std::string many;
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(refusal(get(many)), 431);
}

TEST(RequestHead, RefusalStatusesMapFromTheirCodes) {
  EXPECT_EQ(headRefusalHttpStatus(common::invalidArgument("x")), 400);
  EXPECT_EQ(headRefusalHttpStatus(common::resourceExhausted("request line longer than 1 bytes")),
            414);
  EXPECT_EQ(headRefusalHttpStatus(common::resourceExhausted("header section larger")), 431);
  EXPECT_EQ(headRefusalHttpStatus(common::unimplemented("transfer coding")), 501);
}

}  // namespace
}  // namespace fhirgw::gateway
