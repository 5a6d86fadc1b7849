#include "fhirgw/store/client.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::store;

TEST(StoreClientRole, RoundTrip) {
  for (ClientRole role : {ClientRole::kEditor, ClientRole::kAdmin}) {
    EXPECT_EQ(parseClientRole(clientRoleName(role)), role);
  }
  EXPECT_FALSE(parseClientRole("root").has_value());
}
