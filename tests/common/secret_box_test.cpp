#include "fhirgw/common/secret_box.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/testsupport/files.hpp"

using namespace fhirgw::common;
using fhirgw::testsupport::TempDir;

namespace {

const std::string kKeyA = base64Encode(std::string(32, '\x11'));
const std::string kKeyB = hexEncode(std::string(32, '\x22'));
constexpr std::string_view kContext = "connector:fhir-1:options.bearerToken";

SecretBox box(const std::string& text) { return SecretBox::fromKeyText(text).value(); }

/// The sealed text with the byte at `index` of its decoded body (nonce | ciphertext | tag) flipped.
std::string flipByte(const std::string& sealed, std::ptrdiff_t index) {
  const auto colon = sealed.rfind(':');
  std::string bytes = base64Decode(sealed.substr(colon + 1)).value();
  const auto at = index >= 0 ? static_cast<std::size_t>(index)
                             : bytes.size() - static_cast<std::size_t>(-index);
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  return sealed.substr(0, colon + 1) + base64Encode(bytes);
}

}  // namespace

TEST(SecretBox, SealedValueOpensWithTheSameKeyAndContext) {
  const SecretBox b = box(kKeyA);
  const std::string sealed = b.seal("s3cret token", kContext);
  EXPECT_EQ(sealed.rfind("gcm1:" + std::string(b.keyId()) + ":", 0), 0u);
  EXPECT_EQ(sealed.find("s3cret"), std::string::npos);
  EXPECT_TRUE(SecretBox::isSealed(sealed));
  const auto opened = b.open(sealed, kContext);
  ASSERT_TRUE(opened.hasValue()) << opened.error().toString();
  EXPECT_EQ(*opened, "s3cret token");
}

TEST(SecretBox, EmptyAndBinaryValuesRoundTrip) {
  const SecretBox b = box(kKeyA);
  EXPECT_EQ(b.open(b.seal("", kContext), kContext).value(), "");
  const std::string binary("\0\xff\n\x01", 4);
  EXPECT_EQ(b.open(b.seal(binary, kContext), kContext).value(), binary);
}

TEST(SecretBox, KeyIdIsSixteenHexDigitsOfTheLabelledKeyHash) {
  const SecretBox b = box(kKeyA);
  EXPECT_EQ(b.keyId(),
            sha256Hex("fhir-gateway secret key" + std::string(32, '\x11')).substr(0, 16));
  EXPECT_NE(b.keyId(), box(kKeyB).keyId());
}

TEST(SecretBox, HexAndBase64TextsOfOneKeyAreTheSameKey) {
  const std::string raw(32, '\x5a');
  EXPECT_EQ(box(hexEncode(raw)).keyId(), box(base64Encode(raw)).keyId());
  const std::string sealed = box(hexEncode(raw)).seal("x", kContext);
  EXPECT_EQ(box(base64Encode(raw)).open(sealed, kContext).value(), "x");
}

TEST(SecretBox, CopiesShareTheKey) {
  const SecretBox original = box(kKeyA);
  const std::string sealed = original.seal("v", kContext);
  SecretBox copy = original;
  EXPECT_EQ(copy.open(sealed, kContext).value(), "v");
}

TEST(SecretBox, AnotherContextDoesNotOpen) {
  const SecretBox b = box(kKeyA);
  const std::string sealed = b.seal("s3cret", kContext);
  const auto opened = b.open(sealed, "connector:fhir-1:options.oauth2.clientSecret");
  ASSERT_FALSE(opened.hasValue());
  EXPECT_EQ(opened.error().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(b.open(sealed, "connector:fhir-2:options.bearerToken").hasValue());
}

TEST(SecretBox, AnotherKeyIsAFailedPreconditionNamingBothKeyIds) {
  const SecretBox a = box(kKeyA);
  const SecretBox b = box(kKeyB);
  const auto opened = b.open(a.seal("s3cret", kContext), kContext);
  ASSERT_FALSE(opened.hasValue());
  EXPECT_EQ(opened.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message().find(std::string(a.keyId())), std::string::npos);
  EXPECT_NE(opened.error().message().find(std::string(b.keyId())), std::string::npos);
}

TEST(SecretBox, AlteredNonceCiphertextOrTagIsDataLoss) {
  const SecretBox b = box(kKeyA);
  const std::string sealed = b.seal("s3cret token", kContext);
  for (const std::ptrdiff_t at : {std::ptrdiff_t{0}, std::ptrdiff_t{11}, std::ptrdiff_t{12},
                                  std::ptrdiff_t{20}, std::ptrdiff_t{-16}, std::ptrdiff_t{-1}}) {
    const auto opened = b.open(flipByte(sealed, at), kContext);
    ASSERT_FALSE(opened.hasValue()) << "byte " << at;
    EXPECT_EQ(opened.error().code(), StatusCode::kDataLoss) << "byte " << at;
  }
}

TEST(SecretBox, MalformedTextsAreDataLoss) {
  const SecretBox b = box(kKeyA);
  const std::string id(b.keyId());
  const std::string sealed = b.seal("s3cret", kContext);
  const std::string body = sealed.substr(sealed.rfind(':') + 1);
  for (const std::string& text :
       {std::string(), std::string("s3cret"), "gcm1:" + id, "gcm1:" + id + ":",
        "gcm2:" + id + ":" + body, "gcm1:" + id + ":" + body.substr(1),
        "gcm1:" + id + ":" + body + "!", "gcm1:" + id + ":" + base64Encode(std::string(27, 'a')),
        "gcm1:" + id + body}) {
    const auto opened = b.open(text, kContext);
    ASSERT_FALSE(opened.hasValue()) << text;
    EXPECT_EQ(opened.error().code(), StatusCode::kDataLoss) << text;
  }
}

TEST(SecretBox, IsSealedRecognisesOnlyTheSealedShape) {
  EXPECT_TRUE(SecretBox::isSealed("gcm1:0123456789abcdef:AAAA"));
  EXPECT_FALSE(SecretBox::isSealed("gcm1:0123456789ABCDEF:AAAA"));
  EXPECT_FALSE(SecretBox::isSealed("gcm1:0123456789abcde:AAAA"));
  EXPECT_FALSE(SecretBox::isSealed("plain-token"));
  EXPECT_FALSE(SecretBox::isSealed(""));
}

TEST(SecretBox, TwoSealsOfOneValueUseDifferentNonces) {
  const SecretBox b = box(kKeyA);
  const std::string first = b.seal("same", kContext);
  const std::string second = b.seal("same", kContext);
  EXPECT_NE(first, second);
  const auto nonce = [](const std::string& s) {
    return base64Decode(s.substr(s.rfind(':') + 1)).value().substr(0, 12);
  };
  EXPECT_NE(nonce(first), nonce(second));
}

TEST(SecretBox, KeyOfThirtyOneBytesIsRefusedWithoutQuotingIt) {
  const std::string shortKey = base64Encode(std::string(31, '\x33'));
  const auto made = SecretBox::fromKeyText(shortKey);
  ASSERT_FALSE(made.hasValue());
  EXPECT_EQ(made.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(made.error().message().find(shortKey), std::string::npos);
  EXPECT_FALSE(SecretBox::fromKeyText(hexEncode(std::string(31, '\x33'))).hasValue());
  EXPECT_FALSE(SecretBox::fromKeyText(base64Encode(std::string(33, '\x33'))).hasValue());
  EXPECT_FALSE(SecretBox::fromKeyText("not a key").hasValue());
  EXPECT_FALSE(SecretBox::fromKeyText("").hasValue());
}

TEST(SecretBox, KeyFileWithATrailingNewlineLoads) {
  TempDir dir("secret-box");
  const auto path = dir.write("secrets.key", kKeyA + "\n");
  const auto fromFile = SecretBox::fromFile(path.string());
  ASSERT_TRUE(fromFile.hasValue()) << fromFile.error().toString();
  EXPECT_EQ(fromFile->keyId(), box(kKeyA).keyId());
}

TEST(SecretBox, BadKeyFileMessageNamesTheFileNotTheKey) {
  TempDir dir("secret-box");
  const std::string shortKey = base64Encode(std::string(31, '\x44'));
  const auto path = dir.write("short.key", shortKey + "\n");
  const auto made = SecretBox::fromFile(path.string());
  ASSERT_FALSE(made.hasValue());
  EXPECT_NE(made.error().message().find(path.string()), std::string::npos);
  EXPECT_EQ(made.error().message().find(shortKey), std::string::npos);
  const auto missing = SecretBox::fromFile((dir.path() / "missing.key").string());
  ASSERT_FALSE(missing.hasValue());
  EXPECT_NE(missing.error().message().find("missing.key"), std::string::npos);
}

TEST(SecretBox, KeyFromAnEnvironmentVariable) {
  ASSERT_EQ(::setenv("FHIRGW_TEST_SECRETS_KEY", kKeyB.c_str(), 1), 0);
  const auto made = SecretBox::fromEnvironment("FHIRGW_TEST_SECRETS_KEY");
  ::unsetenv("FHIRGW_TEST_SECRETS_KEY");
  ASSERT_TRUE(made.hasValue()) << made.error().toString();
  EXPECT_EQ(made->keyId(), box(kKeyB).keyId());
  const auto unset = SecretBox::fromEnvironment("FHIRGW_TEST_SECRETS_KEY");
  ASSERT_FALSE(unset.hasValue());
  EXPECT_NE(unset.error().message().find("FHIRGW_TEST_SECRETS_KEY"), std::string::npos);
}
