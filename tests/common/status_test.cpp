#include "fhirgw/common/status.hpp"

#include <gtest/gtest.h>

#include "fhirgw/common/result.hpp"

using namespace fhirgw::common;

TEST(Status, DefaultIsOkWithNoMessage) {
  Status s;
  EXPECT_TRUE(s.isOk());
  EXPECT_EQ(s.toString(), "ok");
}

TEST(Status, ShorthandsCarryTheirCodeAndMessage) {
  Status s = notFound("record r1");
  EXPECT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.toString(), "not-found: record r1");
}

TEST(Status, OnlyTransientCodesAreRetryable) {
  EXPECT_TRUE(isRetryable(StatusCode::kUnavailable));
  EXPECT_TRUE(isRetryable(StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(isRetryable(StatusCode::kResourceExhausted));
  EXPECT_FALSE(isRetryable(StatusCode::kInvalidArgument));
  EXPECT_FALSE(isRetryable(StatusCode::kFailedPrecondition));
  EXPECT_FALSE(isRetryable(StatusCode::kPermissionDenied));
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.hasValue());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().isOk());

  Result<int> bad = unavailable("store busy");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_EQ(bad.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bad.status().message(), "store busy");
}

TEST(Result, MovesItsValueOut) {
  Result<std::string> r = std::string("payload");
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "payload");
}
