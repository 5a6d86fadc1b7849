#include "fhirgw/common/crypto.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::common;

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWithPaddingRemoved) {
  EXPECT_EQ(base64Decode("Zg==").value(), "f");
  EXPECT_EQ(base64Decode("Zm8=").value(), "fo");
  EXPECT_EQ(base64Decode("Zm9vYmFy").value(), "foobar");
  EXPECT_EQ(base64Decode("").value(), "");
}

TEST(Base64, DecodingKeepsBinaryZeroBytes) {
  const std::string bytes("\0\x01\0", 3);
  EXPECT_EQ(base64Decode(base64Encode(bytes)).value(), bytes);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64Decode("Zg=").has_value());        // length not a multiple of 4
  EXPECT_FALSE(base64Decode("Z===").has_value());       // too much padding
  EXPECT_FALSE(base64Decode("Zg=a").has_value());       // data after padding
  EXPECT_FALSE(base64Decode("Zm9v YmFy").has_value());  // whitespace
  EXPECT_FALSE(base64Decode("Zm9-").has_value());       // base64url alphabet
}

TEST(Digest, Sha256AndSha1MatchKnownVectors) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexEncode(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Secrets, HashedSecretVerifiesAndOthersDoNot) {
  const std::string stored = hashSecret("correct horse battery staple");
  EXPECT_EQ(stored.rfind("sha256$", 0), 0u);
  EXPECT_TRUE(verifySecret("correct horse battery staple", stored));
  EXPECT_FALSE(verifySecret("correct horse battery stapl", stored));
  EXPECT_FALSE(verifySecret("correct horse battery staple", "plain"));
}

TEST(Secrets, SameSecretHashesDifferentlyEachTime) {
  EXPECT_NE(hashSecret("s3cret-value-1234"), hashSecret("s3cret-value-1234"));
}

TEST(Secrets, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
}
