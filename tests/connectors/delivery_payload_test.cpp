// Which stored resources a delivery carries (addPayloadResources), on the mapper's full example.
#include "fhirgw/connectors/delivery_payload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "connectors_test_support.hpp"
#include "fhirgw/common/json_tree.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;

namespace {

std::vector<std::string> typesOf(const DeliveryPayload& payload) {
  std::vector<std::string> out;
  for (const PayloadResource& r : payload.resources) out.push_back(r.resourceType);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(DeliveryPayload, AReportCarriesItsAuthorsRoleAndTheActItDocuments) {
  const DeliveryPayload payload = connectors::testsupport::fullExamplePayload("dmp", std::nullopt);
  // The PractitionerRole is referenced by nothing the report leads to: it is carried because its
  // practitioner is. The ChargeItem, the Consent and the other documents stay behind.
  EXPECT_EQ(typesOf(payload), (std::vector<std::string>{"Binary", "DocumentReference", "Encounter",
                                                        "Organization", "Patient", "Practitioner",
                                                        "Practitioner", "PractitionerRole"}));
  // The role carried is the author's (the second Practitioner is the treating physician).
  const PayloadResource* role = payload.find("PractitionerRole");
  ASSERT_NE(role, nullptr);
  const auto roleJson = common::Json::parse(role->json);
  const auto document = common::Json::parse(payload.find("DocumentReference")->json);
  EXPECT_EQ(roleJson->find("practitioner")->stringAt("reference"),
            document->find("author")->items().front().stringAt("reference"));

  // The billed NGAP act is in the DocumentReference (context.event), where the CDA and the XDS
  // eventCodeList read it.
  const common::Json* events = document->find("context")->find("event");
  ASSERT_NE(events, nullptr);
  ASSERT_EQ(events->items().size(), 1u);
  EXPECT_EQ(events->items().front().find("coding")->items().front().stringAt("code"), "TCG");
}

TEST(DeliveryPayload, ARoleWhosePractitionerIsNotCarriedStaysBehind) {
  DeliveryPayload payload = connectors::testsupport::fullExamplePayload("dmp", std::nullopt);
  // Re-select with the author's role pointing at someone the document does not lead to.
  std::vector<PayloadResource> resources = payload.resources;
  for (PayloadResource& r : resources) {
    if (r.resourceType != "PractitionerRole") continue;
    auto json = common::Json::parse(r.json);
    json->setIfPresent("practitioner", common::Json::object().setIfPresent(
                                           "reference", "Practitioner/somebody-else"));
    r.json = json->serialize();
  }
  payload.resources.clear();
  ASSERT_TRUE(addPayloadResources(payload, resources).isOk());
  EXPECT_EQ(payload.find("PractitionerRole"), nullptr);
  EXPECT_NE(payload.find("Practitioner"), nullptr);
}

TEST(DeliveryPayload, EachCarriedResourceHoldsItsTextParsedOnce) {
  for (const char* documentId : {"doc-cr", "doc-ord", "doc-aat"}) {
    const DeliveryPayload payload =
        connectors::testsupport::fullExamplePayload("dmp", std::nullopt, true, documentId);
    ASSERT_FALSE(payload.resources.empty());
    for (const PayloadResource& r : payload.resources) {
      ASSERT_NE(r.tree, nullptr) << documentId << " " << r.resourceType;
      EXPECT_EQ(r.tree->serialize(), common::Json::parse(r.json)->serialize())
          << documentId << " " << r.resourceType;
    }
  }
}

TEST(DeliveryPayload, TheSelectionParsesTheTextsItIsGivenNeverTheirTrees) {
  DeliveryPayload payload = connectors::testsupport::fullExamplePayload("dmp", std::nullopt);
  // Given resources whose trees say something else: what is carried is each text, parsed.
  std::vector<PayloadResource> resources = payload.resources;
  for (PayloadResource& r : resources) {
    r.tree = std::make_shared<const common::Json>(common::Json::object().set("stale", true));
  }
  payload.resources.clear();
  ASSERT_TRUE(addPayloadResources(payload, resources).isOk());
  ASSERT_EQ(payload.resources.size(), resources.size());
  for (const PayloadResource& r : payload.resources) {
    EXPECT_EQ(r.tree->serialize(), common::Json::parse(r.json)->serialize()) << r.resourceType;
  }
}
