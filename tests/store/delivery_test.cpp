#include "fhirgw/store/delivery.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::store;

TEST(StoreDeliveryStatus, MatchTheSpecificationAndRoundTrip) {
  const std::pair<DeliveryStatus, const char*> expected[] = {
      {DeliveryStatus::kPending, "pending"},     {DeliveryStatus::kInFlight, "in-flight"},
      {DeliveryStatus::kDelivered, "delivered"}, {DeliveryStatus::kFailed, "failed"},
      {DeliveryStatus::kDead, "dead"},           {DeliveryStatus::kSkipped, "skipped"}};
  for (const auto& [status, name] : expected) {
    EXPECT_EQ(deliveryStatusName(status), name);
    EXPECT_EQ(parseDeliveryStatus(name), status);
  }
  EXPECT_FALSE(parseDeliveryStatus("in_flight").has_value());
}
