// RecordLookup (GET /admin/v1/records/{id}): what an administrator sees of a record, against the
// real SQLite store.
#include "fhirgw/gateway/service/record_lookup.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_store.hpp"

namespace fhirgw::gateway {
namespace {

using common::StatusCode;
using namespace std::chrono_literals;

// A stored outcome as the gateway writes it: the texts quote what the editor sent.
constexpr const char* kOutcome = R"({"resourceType":"OperationOutcome","issue":[
  {"severity":"warning","code":"business-rule",
   "details":{"coding":[{"system":"https://fhir-gateway.fr/fhir/CodeSystem/rule",
                         "code":"TLC-PRIOR-KNOWLEDGE"}],
              "text":"Patient DURAND inconnu du médecin"},
   "diagnostics":"DURAND 279035121518989","expression":["encounter.priorKnowledge"]},
  {"severity":"information","code":"informational","expression":["a","b"]}]})";

class RecordLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testsupport::openTestStore(dir_.path(), clock_, {"c-1", "c-2"});
    ASSERT_NE(store_, nullptr);
    store::Submission sub;
    sub.clientId = "c-1";
    sub.recordId = "r-1";
    store::NewRecord record;
    record.externalId = "ext-1";
    record.requestHash = "hash";
    record.body = R"({"patient":{"family":"DURAND"}})";
    record.outcome = kOutcome;
    record.practitionerRpps = "10000000001";
    record.encounterYear = 2026;
    sub.record = std::move(record);
    sub.documents.push_back({"d-1", "ext-doc-1", "report", "dochash", R"({"text":"grippal"})",
                             R"({"resourceType":"OperationOutcome","issue":[]})"});
    sub.deliveries.push_back({"r-1-a", "d-1", "patient", "a", store::DeliveryStatus::kPending,
                              std::nullopt, "279035121518989@patient.mssante.fr"});
    sub.deliveries.push_back({"r-1-b", std::nullopt, "encounter", "b",
                              store::DeliveryStatus::kPending, std::nullopt, std::nullopt});
    ASSERT_TRUE(store_->commitSubmission(sub).isOk());
  }

  testsupport::TempDir dir_{"fhirgw-record-lookup"};
  common::ManualClock clock_{common::TimePoint(1795348800s)};
  std::unique_ptr<store::Store> store_;
};

TEST_F(RecordLookupTest, ShowsIdsRuleIdsAndLocationsButNoTextOrRecipient) {
  RecordLookup lookup(*store_, *store_);
  auto found = lookup.find("r-1", std::nullopt);
  ASSERT_TRUE(found.hasValue()) << found.error().toString();
  EXPECT_EQ(found->clientId, "c-1");
  EXPECT_EQ(found->externalId, "ext-1");
  ASSERT_EQ(found->findings.size(), 2u);
  EXPECT_EQ(found->findings[0].ruleId, "TLC-PRIOR-KNOWLEDGE");
  EXPECT_EQ(found->findings[0].severity, "warning");
  EXPECT_EQ(found->findings[0].code, "business-rule");
  EXPECT_EQ(found->findings[0].expression, std::vector<std::string>{"encounter.priorKnowledge"});
  EXPECT_EQ(found->findings[1].ruleId, "");
  EXPECT_EQ(found->findings[1].expression, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(found->documents.size(), 1u);
  EXPECT_EQ(found->documents[0].externalId, "ext-doc-1");
  EXPECT_TRUE(found->documents[0].findings.empty());
  ASSERT_EQ(found->deliveries.size(), 2u);
  EXPECT_FALSE(found->deliveries[0].delivery.target.has_value()) << "the patient's mailbox";
  EXPECT_FALSE(found->deliveries[0].lastErrorClass.has_value());
}

TEST_F(RecordLookupTest, AFailingDeliveryShowsItsLatestErrorClassADeliveredOneNone) {
  clock_.advance(5s);
  for (const char* connector : {"a", "b"}) {
    auto claimed = store_->claimDeliveries({connector, "gw-1", 60s, 1});
    ASSERT_TRUE(claimed.hasValue() && claimed->size() == 1u);
    store::FinishedAttempt f;
    f.deliveryId = claimed->front().id;
    f.leaseId = claimed->front().leaseId.value_or("");
    f.startedAt = clock_.now();
    if (std::string(connector) == "a") {
      f.next = store::DeliveryStatus::kFailed;
      f.nextAttemptAt = clock_.now() + 30s;
      f.outcome = store::AttemptOutcome::kFailed;
      f.errorClass = store::ErrorClass::kTransient;
      f.httpStatus = 503;
      f.message = "HTTP 503";
    }
    ASSERT_TRUE(store_->finishAttempt(f).isOk());
  }
  RecordLookup lookup(*store_, *store_);
  auto found = lookup.find("ext:ext-1", "c-1");
  ASSERT_TRUE(found.hasValue()) << found.error().toString();
  ASSERT_EQ(found->deliveries.size(), 2u);
  EXPECT_EQ(found->deliveries[0].delivery.status, store::DeliveryStatus::kFailed);
  EXPECT_EQ(found->deliveries[0].lastErrorClass, store::ErrorClass::kTransient);
  EXPECT_EQ(found->deliveries[1].delivery.status, store::DeliveryStatus::kDelivered);
  EXPECT_FALSE(found->deliveries[1].lastErrorClass.has_value());
  EXPECT_EQ(found->updatedAt, clock_.now()) << "the deliveries' latest change";
}

TEST_F(RecordLookupTest, AnExternalIdNeedsItsClientAndAnotherClientsRecordIsNotFound) {
  RecordLookup lookup(*store_, *store_);
  EXPECT_EQ(lookup.find("ext:ext-1", std::nullopt).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(lookup.find("ext:ext-1", "c-2").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(lookup.find("r-1", "c-2").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(lookup.find("r-1", "c-1").hasValue());
  auto unknown = lookup.find("r-404", std::nullopt);
  EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.error().message(), "no such record");
}

TEST(RuleFindings, AnEmptyOrUnreadableOutcomeHasNone) {
  EXPECT_TRUE(ruleFindings("").empty());
  EXPECT_TRUE(ruleFindings("{").empty());
  EXPECT_TRUE(ruleFindings(R"({"issue":"x"})").empty());
}

}  // namespace
}  // namespace fhirgw::gateway
