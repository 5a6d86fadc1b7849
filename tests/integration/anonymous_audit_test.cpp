// Anonymous calls through the real server and a real SQLite store: a flood of refused requests
// (401s and requests the listener refuses itself) writes a bounded number of audit rows, counted
// into a summary per minute (issue 8: refused anonymous requests could fill the disk).

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::gateway::anonymous_audit_test {
namespace {

class AnonymousAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testsupport::InProcessGatewayOptions options;
    options.adminToken = "anonymous-audit-admin-token-0123456789";
    gateway_ = std::make_unique<testsupport::InProcessGateway>(std::move(options));
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  int anonymousPost() {
    Poco::Net::HTTPClientSession s("127.0.0.1", gateway_->server().apiPort());
    return testsupport::httpRequest(s, "POST", "/api/v1/teleconsultations", "{}").status;
  }

  void badFraming() {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", gateway_->server().apiPort()));
    socket.setReceiveTimeout(Poco::Timespan(3, 0));
    const std::string bad =
        "POST /api/v1/teleconsultations HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n"
        "Content-Length: 3\r\n\r\n{}";
    socket.sendBytes(bad.data(), static_cast<int>(bad.size()));
    char buf[4096];
    while (socket.receiveBytes(buf, sizeof buf) > 0) {
    }
  }

  std::vector<store::AuditEntry> anonymousRows() {
    store::AuditQuery q;
    q.actor = "anonymous";
    q.limit = store::kMaxAuditPage;
    auto rows = gateway_->store().queryAudit(q);
    EXPECT_TRUE(rows.hasValue());
    if (!rows) return {};
    // The store answers newest first: read them in the order they were written.
    return {rows->rbegin(), rows->rend()};
  }

  std::unique_ptr<testsupport::InProcessGateway> gateway_;
};

TEST_F(AnonymousAuditTest, AFloodOfRefusedAnonymousCallsWritesOneRowAndOneSummaryPerMinute) {
  for (int i = 0; i < 200; ++i) ASSERT_EQ(anonymousPost(), 401);
  for (int i = 0; i < 5; ++i) badFraming();

  auto rows = anonymousRows();
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].action, "POST /api/v1/teleconsultations");
  EXPECT_EQ(rows[0].outcome, "401");
  EXPECT_FALSE(rows[0].requestId.empty());
  EXPECT_EQ(rows[1].action, "refused api request");
  EXPECT_EQ(rows[1].outcome, "400");

  // The next minute: the counts of the last one are written, then the new first call.
  gateway_->clock().advance(std::chrono::seconds(61));
  ASSERT_EQ(anonymousPost(), 401);
  rows = anonymousRows();
  ASSERT_EQ(rows.size(), 5U);
  EXPECT_EQ(rows[2].outcome, "401 x199 aggregated");
  EXPECT_EQ(rows[2].target, "peer:127.0.0.1");
  EXPECT_EQ(rows[3].outcome, "400 x4 aggregated");
  EXPECT_EQ(rows[4].outcome, "401");
}

TEST_F(AnonymousAuditTest, CountsStillOpenAtShutdownAreWritten) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(anonymousPost(), 401);
  gateway_->stop();
  auto rows = anonymousRows();
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].outcome, "401 x2 aggregated");
}

}  // namespace
}  // namespace fhirgw::gateway::anonymous_audit_test
