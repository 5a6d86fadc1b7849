#include "fhirgw/common/key_ring.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fhirgw/common/crypto.hpp"

using namespace fhirgw::common;

namespace {

SecretBox box(char fill) {
  return SecretBox::fromKeyText(hexEncode(std::string(32, fill))).value();
}

constexpr std::string_view kRingContext = "records.body:r-1";

}  // namespace

TEST(KeyRing, SealsUnderTheActiveKeyAndOpensIt) {
  const KeyRing ring = KeyRing::make(box('\x01')).value();
  const std::string sealed = ring.seal("DURAND Marie", kRingContext);
  EXPECT_EQ(KeyRing::keyIdOf(sealed), ring.activeKeyId());
  EXPECT_TRUE(ring.sealedUnderActiveKey(sealed));
  EXPECT_EQ(sealed.find("DURAND"), std::string::npos);
  EXPECT_EQ(ring.open(sealed, kRingContext).value(), "DURAND Marie");
}

TEST(KeyRing, OpensAValueSealedUnderAPreviousKey) {
  const KeyRing old = KeyRing::make(box('\x01')).value();
  const std::string sealed = old.seal("279035121518989", kRingContext);
  const KeyRing rotated = KeyRing::make(box('\x02'), {box('\x01')}).value();
  EXPECT_FALSE(rotated.sealedUnderActiveKey(sealed));
  EXPECT_EQ(rotated.open(sealed, kRingContext).value(), "279035121518989");
  ASSERT_EQ(rotated.previousKeyIds().size(), 1u);
  EXPECT_EQ(rotated.previousKeyIds()[0], old.activeKeyId());
}

TEST(KeyRing, AValueUnderAnUnknownKeyIsAFailedPreconditionNamingTheKey) {
  const KeyRing old = KeyRing::make(box('\x01')).value();
  const std::string sealed = old.seal("text", kRingContext);
  const KeyRing other = KeyRing::make(box('\x02'), {box('\x03')}).value();
  const auto opened = other.open(sealed, kRingContext);
  ASSERT_FALSE(opened.hasValue());
  EXPECT_EQ(opened.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message().find(std::string(old.activeKeyId())), std::string::npos);
}

TEST(KeyRing, AValueOpenedInAnotherContextIsDataLoss) {
  const KeyRing ring = KeyRing::make(box('\x01')).value();
  const auto opened = ring.open(ring.seal("text", kRingContext), "records.body:r-2");
  ASSERT_FALSE(opened.hasValue());
  EXPECT_EQ(opened.error().code(), StatusCode::kDataLoss);
}

TEST(KeyRing, PlainTextHasNoKeyId) {
  EXPECT_FALSE(KeyRing::keyIdOf("{\"resourceType\":\"Patient\"}").has_value());
  EXPECT_FALSE(KeyRing::keyIdOf("gcm1:nothex:abc").has_value());
}

TEST(KeyRing, TheSameKeyTwiceIsRefused) {
  const auto ring = KeyRing::make(box('\x01'), {box('\x02'), box('\x01')});
  ASSERT_FALSE(ring.hasValue());
  EXPECT_EQ(ring.error().code(), StatusCode::kInvalidArgument);
}
