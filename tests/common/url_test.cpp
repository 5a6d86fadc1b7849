#include "fhirgw/common/url.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace fhirgw::common;

namespace {

Url parsed(std::string_view text) {
  auto url = parseHttpUrl(text);
  EXPECT_TRUE(url.hasValue()) << text << ": " << (url ? "" : url.error().message());
  return url ? *url : Url{};
}

void expectRefused(std::string_view text, std::string_view reasonPart) {
  auto url = parseHttpUrl(text);
  ASSERT_FALSE(url.hasValue()) << text << " was accepted as " << url->text;
  EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_NE(url.error().message().find(reasonPart), std::string::npos)
      << text << ": " << url.error().message();
}

bool under(std::string_view url, std::string_view prefix) {
  return urlUnder(parsed(url), parsed(prefix));
}

}  // namespace

TEST(ParseHttpUrl, SplitsAPlainHttpsUrlIntoItsParts) {
  Url url = parsed("https://fhir.cabinet-martin.fr/r4/Bundle?_format=json");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "fhir.cabinet-martin.fr");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.path, "/r4/Bundle");
  EXPECT_EQ(url.query, "_format=json");
  EXPECT_EQ(url.text, "https://fhir.cabinet-martin.fr/r4/Bundle?_format=json");
}

TEST(ParseHttpUrl, FillsTheDefaultPortOfEachScheme) {
  EXPECT_EQ(parsed("http://example.org/").port, 80);
  EXPECT_EQ(parsed("https://example.org/").port, 443);
  EXPECT_EQ(parsed("https://example.org:8443/").port, 8443);
}

TEST(ParseHttpUrl, LowerCasesSchemeAndHostButNotThePath) {
  Url url = parsed("HTTPS://FHIR.Cabinet-Martin.FR/R4/Patient");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "fhir.cabinet-martin.fr");
  EXPECT_EQ(url.path, "/R4/Patient");
  EXPECT_EQ(url.text, "https://fhir.cabinet-martin.fr/R4/Patient");
}

TEST(ParseHttpUrl, GivesAnEmptyPathAsSlashAndDropsAnExplicitDefaultPortFromTheText) {
  Url url = parsed("https://example.org:443");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.text, "https://example.org/");
  EXPECT_EQ(parsed("https://example.org:8443/x").text, "https://example.org:8443/x");
}

TEST(ParseHttpUrl, AcceptsIpv6LiteralsWithTheirBrackets) {
  Url url = parsed("https://[::1]:9443/fhir");
  EXPECT_EQ(url.host, "[::1]");
  EXPECT_EQ(url.port, 9443);
  EXPECT_EQ(url.path, "/fhir");
  EXPECT_EQ(parsed("https://[2001:DB8::1]/").host, "[2001:db8::1]");
}

TEST(ParseHttpUrl, RefusesRawDotSegmentsAnywhereInThePath) {
  expectRefused("https://fhir.cabinet-martin.fr/r4/../../evil", "dot segment");
  expectRefused("https://h.example/r4/..", "dot segment");
  expectRefused("https://h.example/./r4", "dot segment");
  expectRefused("https://h.example/r4/.", "dot segment");
  expectRefused("https://h.example/r4/..;/evil", "dot segment");
}

TEST(ParseHttpUrl, RefusesPercentEncodedDotSegmentsInAnyCaseAndMix) {
  expectRefused("https://h.example/r4/%2e%2e/evil", "dot segment");
  expectRefused("https://h.example/r4/%2E%2E/evil", "dot segment");
  expectRefused("https://h.example/r4/.%2E/evil", "dot segment");
  expectRefused("https://h.example/r4/%2e./evil", "dot segment");
  expectRefused("https://h.example/r4/%2e/evil", "dot segment");
}

TEST(ParseHttpUrl, AcceptsDotsThatAreNotWholeSegments) {
  EXPECT_EQ(parsed("https://h.example/r4/a..b/.well-known/x.json").path,
            "/r4/a..b/.well-known/x.json");
  EXPECT_EQ(parsed("https://h.example/r4/...").path, "/r4/...");
}

TEST(ParseHttpUrl, RefusesEncodedSlashesAndBackslashes) {
  expectRefused("https://h.example/r4%2F..%2Fevil", "encoded slash");
  expectRefused("https://h.example/r4%2fevil", "encoded slash");
  expectRefused("https://h.example/r4%5Cevil", "encoded slash or backslash");
  expectRefused("https://h.example/r4%5cevil", "encoded slash or backslash");
}

TEST(ParseHttpUrl, RefusesRawBackslashes) {
  expectRefused("https://h.example/r4\\..\\evil", "backslash");
  expectRefused("https://h.example\\@evil.example/", "backslash");
}

TEST(ParseHttpUrl, RefusesUserInformation) {
  expectRefused("https://user:secret@h.example/r4", "user information");
  expectRefused("https://h.example@evil.example/r4", "user information");
  expectRefused("https://@h.example/r4", "user information");
}

TEST(ParseHttpUrl, RefusesFragments) {
  expectRefused("https://h.example/r4#frag", "fragment");
  expectRefused("https://h.example/r4?x=1#", "fragment");
}

TEST(ParseHttpUrl, RefusesSpacesAndControlCharactersRawOrEncodedInThePath) {
  expectRefused("https://h.example/r4 x", "space or control");
  expectRefused(std::string("https://h.example/r4\0x", 22), "space or control");
  expectRefused("https://h.example/r4\r\nHost: evil", "space or control");
  expectRefused("https://h.example/r4\t", "space or control");
  expectRefused("https://h.example/r4%00", "control character");
  expectRefused("https://h.example/r4%0d%0a", "control character");
}

TEST(ParseHttpUrl, RefusesEmptyHostsAndNonHttpSchemes) {
  expectRefused("https:///r4", "empty host");
  expectRefused("https://:443/r4", "");
  expectRefused("ftp://h.example/r4", "http:// or https://");
  expectRefused("file:///etc/passwd", "http:// or https://");
  expectRefused("gopher://h.example/", "http:// or https://");
  expectRefused("//h.example/r4", "http:// or https://");
  expectRefused("h.example/r4", "http:// or https://");
  expectRefused("https:/h.example/r4", "http:// or https://");
  expectRefused("", "empty");
}

TEST(ParseHttpUrl, RefusesBadPortsAndBadPercentEncoding) {
  expectRefused("https://h.example:0/", "");
  expectRefused("https://h.example:70000/", "");
  expectRefused("https://h.example:abc/", "");
  expectRefused("https://h.example/r4%zz", "percent-encoding");
  expectRefused("https://h.example/r4%2", "percent-encoding");
  expectRefused("https://h%2eexample/", "percent-encoded");
}

TEST(ParseHttpUrl, NeverEchoesTheUrlInItsReason) {
  auto url = parseHttpUrl("https://dr-secret-name.example/r4/../../evil");
  ASSERT_FALSE(url.hasValue());
  EXPECT_EQ(url.error().message().find("secret"), std::string::npos);
  auto bad = parseHttpUrl("https://dr-secret-name.example:99999/");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_EQ(bad.error().message().find("secret"), std::string::npos);
}

TEST(ParseHttpUrl, KeepsTheQueryWhichMayHoldEncodedSlashes) {
  Url url = parsed("https://h.example/r4?next=%2Fa%2F..%2Fb");
  EXPECT_EQ(url.path, "/r4");
  EXPECT_EQ(url.query, "next=%2Fa%2F..%2Fb");
}

TEST(UrlUnder, AcceptsTheSamePathAndPathsBelowASegmentBoundary) {
  EXPECT_TRUE(under("https://h.example/r4", "https://h.example/r4"));
  EXPECT_TRUE(under("https://h.example/r4/", "https://h.example/r4"));
  EXPECT_TRUE(under("https://h.example/r4/Bundle", "https://h.example/r4"));
  EXPECT_TRUE(under("https://h.example/r4/Bundle", "https://h.example/r4/"));
  EXPECT_TRUE(under("https://h.example/anything", "https://h.example"));
}

TEST(UrlUnder, RefusesAPathThatOnlySharesTheTextOfThePrefix) {
  EXPECT_FALSE(under("https://h.example/r4x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example/r4x/Bundle", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example/r", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example/R4/x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example/", "https://h.example/r4/"));
}

TEST(UrlUnder, ComparesSchemeHostCaseInsensitivelyAndEffectivePort) {
  EXPECT_TRUE(under("https://H.EXAMPLE/r4/x", "https://h.example/r4"));
  EXPECT_TRUE(under("https://h.example:443/r4/x", "https://h.example/r4"));
  EXPECT_TRUE(under("http://h.example:80/r4", "http://h.example/r4"));
  EXPECT_FALSE(under("http://h.example/r4/x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example:8443/r4/x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://h.example.evil/r4/x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://evil-h.example/r4/x", "https://h.example/r4"));
  EXPECT_FALSE(under("https://sub.h.example/r4/x", "https://h.example/r4"));
}

TEST(UrlUnder, ComparesIpv6HostsAndIgnoresTheQuery) {
  EXPECT_TRUE(under("https://[::1]:9443/fhir/Bundle?x=1", "https://[::1]:9443/fhir"));
  EXPECT_FALSE(under("https://[::2]:9443/fhir/Bundle", "https://[::1]:9443/fhir"));
  EXPECT_FALSE(under("https://[::1]/fhir/Bundle", "https://[::1]:9443/fhir"));
}

TEST(UrlUnder, TheIssueEscapeNeverReachesAComparison) {
  // The URL of issue 8 passed a string-prefix test; it is refused before any comparison.
  EXPECT_FALSE(parseHttpUrl("https://fhir.cabinet-martin.fr/r4/../../evil").hasValue());
  EXPECT_FALSE(parseHttpUrl("https://fhir.cabinet-martin.fr/r4/%2e%2e/%2E%2E/evil").hasValue());
  EXPECT_FALSE(parseHttpUrl("https://fhir.cabinet-martin.fr/r4%2f..%2f..%2fevil").hasValue());
}

TEST(SmtpUrl, AcceptsSmtpAndSmtpsWithTheirDefaultPorts) {
  auto starttls = parseSmtpUrl("smtp://SMTP.Operateur.MSSante.fr:587");
  ASSERT_TRUE(starttls.hasValue()) << starttls.status().toString();
  EXPECT_EQ(starttls->scheme, "smtp");
  EXPECT_EQ(starttls->host, "smtp.operateur.mssante.fr");
  EXPECT_EQ(starttls->port, 587);
  EXPECT_EQ(starttls->text, "smtp://smtp.operateur.mssante.fr:587");
  auto implicit = parseSmtpUrl("smtps://smtp.example/");
  ASSERT_TRUE(implicit.hasValue());
  EXPECT_EQ(implicit->port, 465);
  EXPECT_EQ(implicit->text, "smtps://smtp.example:465");
}

TEST(SmtpUrl, RefusesEverythingButAHostAndAPort) {
  for (const char* text :
       {"", "https://smtp.example", "smtp://", "smtp://user@smtp.example", "smtp://user:pw@h",
        "smtp://smtp.example/domain", "smtp://smtp.example?x=1", "smtp://smtp.example#f",
        "smtp://smtp.example:0", "smtp://smtp.example:70000", "smtp://smtp example",
        "smtp://smtp.example\r\n", "smtp://smtp%2eexample", "smtp://[]:25"}) {
    EXPECT_FALSE(parseSmtpUrl(text).hasValue()) << text;
  }
}
