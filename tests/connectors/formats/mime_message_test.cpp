#include "fhirgw/connectors/formats/mime_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/common/crypto.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

MimeMessage sample() {
  MimeMessage m;
  m.headers = {{"From", "<gateway@hopital.mssante.fr>"},
               {"To", "<dr.martin@medecin.mssante.fr>"},
               {"Subject", "Document transmis : compte rendu de téléconsultation"},
               {"Message-ID", "<d-1@fhir-gateway>"}};
  m.text = "Bonjour,\n\nCi-joint un document (à intégrer).\nLigne = égal \n";
  std::string binary;
  for (int i = 0; i < 300; ++i) binary.push_back(static_cast<char>(i % 256));
  m.attachments = {{"application/pdf", "DOC0001.PDF", binary},
                   {"application/zip", "IHE_XDM.ZIP", "PK\x03\x04zip"}};
  return m;
}

// The body of the part whose headers contain `marker`, up to the CRLF of the next boundary
// line (which belongs to the boundary, RFC 2046 5.1.1).
std::string partBody(const std::string& mime, const std::string& marker) {
  const auto at = mime.find(marker);
  if (at == std::string::npos) return {};
  const auto start = mime.find("\r\n\r\n", at) + 4;
  const auto end = mime.find("\r\n--=_fhirgw_", start);
  return mime.substr(start, end - start);
}

// The CRLF-separated lines of a part's body.
std::vector<std::string> lines(const std::string& body) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < body.size();) {
    const auto end = std::min(body.find("\r\n", start), body.size());
    out.push_back(body.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

}  // namespace

TEST(MimeMessage, WritesHeadersTextAndAttachmentsWithCrlfLines) {
  auto written = writeMime(sample(), "d-1");
  ASSERT_TRUE(written.hasValue()) << written.status().toString();
  const std::string& mime = *written;
  EXPECT_THAT(mime, HasSubstr("From: <gateway@hopital.mssante.fr>\r\n"));
  EXPECT_THAT(mime, HasSubstr("Message-ID: <d-1@fhir-gateway>\r\n"));
  EXPECT_THAT(mime, HasSubstr("MIME-Version: 1.0\r\n"));
  EXPECT_THAT(mime, HasSubstr("Content-Type: multipart/mixed; boundary=\"=_fhirgw_"));
  // Every line ends in CRLF and none is longer than 998 characters (RFC 5322 2.1.1).
  std::size_t lineStart = 0;
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') {
      ASSERT_GT(i, 0U);
      EXPECT_EQ(mime[i - 1], '\r') << "bare LF at " << i;
      EXPECT_LE(i - lineStart, 999U);
      lineStart = i + 1;
    }
  }
  EXPECT_TRUE(mime.ends_with("--\r\n"));
}

TEST(MimeMessage, ANonAsciiSubjectIsEncodedWordsThatDecodeBack) {
  auto written = writeMime(sample(), "d-1");
  ASSERT_TRUE(written.hasValue());
  const auto at = written->find("Subject: ");
  ASSERT_NE(at, std::string::npos);
  const auto end = written->find("\r\nMessage-ID:", at);
  const std::string field = written->substr(at + 9, end - at - 9);
  std::string decoded;
  std::size_t pos = 0;
  while ((pos = field.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const auto close = field.find("?=", pos + 10);
    auto chunk = common::base64Decode(field.substr(pos + 10, close - pos - 10));
    ASSERT_TRUE(chunk.has_value());
    decoded += *chunk;
    pos = close + 2;
  }
  EXPECT_EQ(decoded, "Document transmis : compte rendu de téléconsultation");
  EXPECT_THAT(field, Not(HasSubstr("é")));
}

TEST(MimeMessage, TheTextIsQuotedPrintableUtf8) {
  auto written = writeMime(sample(), "d-1");
  ASSERT_TRUE(written.hasValue());
  const std::string body = partBody(*written, "Content-Transfer-Encoding: quoted-printable");
  EXPECT_EQ(body,
            "Bonjour,\r\n\r\nCi-joint un document (=C3=A0 int=C3=A9grer).\r\n"
            "Ligne =3D =C3=A9gal=20");
}

TEST(MimeMessage, LongTextLinesGetSoftBreaks) {
  MimeMessage m = sample();
  m.text = std::string(200, 'x') + "\n";
  auto written = writeMime(m, "d-1");
  ASSERT_TRUE(written.hasValue());
  std::string joined;
  for (const std::string& line :
       lines(partBody(*written, "Content-Transfer-Encoding: quoted-printable"))) {
    EXPECT_LE(line.size(), 76U);
    joined += line.ends_with("=") ? line.substr(0, line.size() - 1) : line;
  }
  EXPECT_EQ(joined, std::string(200, 'x'));
}

TEST(MimeMessage, AttachmentsAreBase64LinesThatDecodeToTheBytes) {
  const MimeMessage m = sample();
  auto written = writeMime(m, "d-1");
  ASSERT_TRUE(written.hasValue());
  EXPECT_THAT(*written, HasSubstr("Content-Disposition: attachment; filename=\"DOC0001.PDF\""));
  EXPECT_THAT(*written, HasSubstr("Content-Type: application/zip; name=\"IHE_XDM.ZIP\""));
  std::string joined;
  for (const std::string& line : lines(partBody(*written, "filename=\"DOC0001.PDF\""))) {
    EXPECT_LE(line.size(), 76U);
    joined += line;
  }
  EXPECT_EQ(common::base64Decode(joined), m.attachments[0].bytes);
}

TEST(MimeMessage, TheBoundaryIsStableForTheSameSeed) {
  auto a = writeMime(sample(), "d-1");
  auto b = writeMime(sample(), "d-1");
  auto c = writeMime(sample(), "d-2");
  ASSERT_TRUE(a.hasValue() && b.hasValue() && c.hasValue());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(MimeMessage, RefusesHeaderAndFileNameInjection) {
  MimeMessage m = sample();
  m.headers.emplace_back("Subject", "x\r\nBcc: someone@example.com");
  EXPECT_FALSE(writeMime(m, "s").hasValue());
  m = sample();
  m.headers.emplace_back("Bad Name", "x");
  EXPECT_FALSE(writeMime(m, "s").hasValue());
  m = sample();
  m.attachments[0].fileName = "a\"; x=\"y";
  EXPECT_FALSE(writeMime(m, "s").hasValue());
  m = sample();
  m.attachments[0].contentType = "text/plain\r\nX: y";
  EXPECT_FALSE(writeMime(m, "s").hasValue());
}
