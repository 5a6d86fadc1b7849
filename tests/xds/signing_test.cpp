#include "fhirgw/xds/signing.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "signature_check.hpp"

namespace fhirgw::xds {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path pki(const char* name) { return testsupport::testPkiDir() / name; }

// The PKI is made on first use: it must exist before load() takes its default `now`, and the
// order in which a call's arguments are evaluated is unspecified.
common::Result<SigningCredentials> load(const char* key, const char* cert) {
  const fs::path dir = testsupport::testPkiDir();
  return SigningCredentials::load(dir / key, dir / cert);
}

// The DER of a PEM certificate, decoded here without OpenSSL.
std::string derOfPem(const std::string& pem) {
  const auto begin = pem.find("-----BEGIN CERTIFICATE-----");
  const auto end = pem.find("-----END CERTIFICATE-----");
  std::string base64;
  for (auto i = pem.find('\n', begin) + 1; i < end; ++i) {
    if (pem[i] != '\n' && pem[i] != '\r') base64 += pem[i];
  }
  return common::base64Decode(base64).value_or("");
}

TEST(SigningCredentials, LoadsTheTestSigningCertificateAndNamesItsSubjectAsTheAnsExample) {
  auto loaded = load("sign.key", "sign.pem");
  ASSERT_TRUE(loaded) << loaded.error().toString();
  EXPECT_EQ(loaded->subjectDn(),
            "C=FR, ST=Paris (75), O=fhir-gateway tests, OU=31234567890, CN=sign ORG SIGN");
  EXPECT_EQ(loaded->subjectDnRfc2253(),
            "CN=sign ORG SIGN,OU=31234567890,O=fhir-gateway tests,ST=Paris (75),C=FR");
  EXPECT_EQ(loaded->issuerDnRfc2253(), "CN=ca,O=fhir-gateway tests,C=FR");
  EXPECT_EQ(loaded->certificateDer(), derOfPem(testsupport::readFile(pki("sign.pem"))));
  EXPECT_EQ(derOfPem(loaded->certificatePem()), loaded->certificateDer());
  EXPECT_GT(loaded->notAfter(), std::chrono::system_clock::now() + 24h);
}

TEST(SigningCredentials, SerialIsTheCertificatesSerialInDecimal) {
  auto loaded = load("sign.key", "sign.pem");
  ASSERT_TRUE(loaded) << loaded.error().toString();
  // openssl prints it in hex; the decimal is checked by converting back digit by digit.
  const auto printed =
      testing::runCommand("openssl x509 -noout -serial -in '" + pki("sign.pem").string() + "'");
  ASSERT_EQ(printed.exitCode, 0) << printed.output;
  std::string hex = printed.output.substr(printed.output.find('=') + 1);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  std::string decimal = loaded->serialDecimal();
  ASSERT_FALSE(decimal.empty());
  // decimal -> hex by repeated division by 16 on the digit string.
  std::string toHex;
  while (!(decimal.size() == 1 && decimal[0] == '0')) {
    std::string quotient;
    int rest = 0;
    for (const char c : decimal) {
      rest = rest * 10 + (c - '0');
      if (!quotient.empty() || rest / 16 != 0) quotient += static_cast<char>('0' + rest / 16);
      rest %= 16;
    }
    toHex.insert(toHex.begin(), "0123456789ABCDEF"[rest]);
    decimal = quotient.empty() ? "0" : quotient;
  }
  while (hex.size() > 1 && hex[0] == '0') hex.erase(0, 1);
  EXPECT_EQ(toHex, hex);
}

TEST(SigningCredentials, MissingKeyFileIsAnInvalidArgumentNamingIt) {
  auto loaded = load("no-such.key", "sign.pem");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find("no-such.key cannot be read"), std::string::npos)
      << loaded.error().message();
}

TEST(SigningCredentials, MissingCertificateFileIsAnInvalidArgument) {
  auto loaded = load("sign.key", "no-such.pem");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find("certificate file"), std::string::npos);
}

TEST(SigningCredentials, KeyOfAnotherCertificateIsRefusedAsNotMatching) {
  auto loaded = load("rogue-sign.key", "sign.pem");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find("does not match"), std::string::npos)
      << loaded.error().message();
}

TEST(SigningCredentials, TextThatIsNotAKeyIsRefused) {
  const testsupport::TempDir dir;
  const auto garbage = dir.write("garbage.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n");
  const fs::path cert = pki("sign.pem");
  auto loaded = SigningCredentials::load(garbage, cert);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find("not an unencrypted PEM private key"), std::string::npos);
  // A certificate file given as the key is not a key either.
  EXPECT_FALSE(load("sign.pem", "sign.pem"));
}

TEST(SigningCredentials, EncryptedKeyIsRefusedWithoutPrompting) {
  const testsupport::TempDir dir;
  const auto encrypted = dir.path() / "encrypted.key";
  const auto made = testing::runCommand("openssl pkey -in '" + pki("sign.key").string() +
                                        "' -aes256 -passout pass:secret -out '" +
                                        encrypted.string() + "' </dev/null");
  ASSERT_EQ(made.exitCode, 0) << made.output;
  const fs::path cert = pki("sign.pem");
  auto loaded = SigningCredentials::load(encrypted, cert);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), common::StatusCode::kInvalidArgument);
}

TEST(SigningCredentials, ExpiredOrNotYetValidCertificateIsRefused) {
  auto valid = load("sign.key", "sign.pem");
  ASSERT_TRUE(valid);
  auto expired = SigningCredentials::load(pki("sign.key"), pki("sign.pem"), valid->notAfter() + 1s);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(expired.error().message().find("has expired"), std::string::npos);
  auto early = SigningCredentials::load(pki("sign.key"), pki("sign.pem"),
                                        std::chrono::system_clock::now() - 24h);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message().find("not valid yet"), std::string::npos);
}

TEST(SigningCredentials, CertificateWhoseKeyUsageCannotSignIsRefused) {
  // The CA's keyUsage is keyCertSign and cRLSign only.
  auto loaded = load("ca.key", "ca.pem");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find("does not allow signing"), std::string::npos)
      << loaded.error().message();
}

TEST(SigningCredentials, MessagesNeverCarryKeyMaterial) {
  auto loaded = load("rogue-sign.key", "sign.pem");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message().find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(loaded.error().message().find("MII"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::xds
