#include "fhirgw/connectors/routing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace fhirgw;
using namespace fhirgw::connectors;

namespace {

RoutingRequest qualifiedRequest() {
  RoutingRequest r;
  r.recordId = "rec-1";
  r.insQualified = true;
  r.insIsNir = true;
  r.documents.push_back({"doc-1", true, false, false, ""});
  return r;
}

ConnectorRoute route(std::string id, std::vector<Destination> to,
                     Addressing addressing = Addressing::kFixed) {
  return {std::move(id), addressing, std::move(to), true, {}, {}};
}

std::string summary(const RoutedDelivery& d) {
  return std::string(destinationName(d.destination)) + "/" + d.connectorId.value_or("-") + "/" +
         std::string(routedStatusName(d.status)) + "/" + d.reason.value_or("") + "/" +
         d.target.value_or("");
}

std::vector<std::string> summaries(const std::vector<RoutedDelivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(summary(d));
  return out;
}

}  // namespace

TEST(Routing, AQualifiedDocumentGoesToEveryConnectorRoutedToTheDmp) {
  const auto out = routeDeliveries(
      qualifiedRequest(), {route("dmp-mhd", {Destination::kDmp}), route("out", {Destination::kDmp}),
                           route("other", {Destination::kEncounter})});
  EXPECT_EQ(summaries(out),
            (std::vector<std::string>{"dmp/dmp-mhd/pending//", "dmp/out/pending//"}));
  EXPECT_EQ(out[0].documentId, "doc-1");
}

TEST(Routing, DmpNeedsAQualifiedInsAndConsent) {
  auto request = qualifiedRequest();
  request.insQualified = false;
  EXPECT_EQ(summaries(routeDeliveries(request, {route("dmp", {Destination::kDmp})})),
            (std::vector<std::string>{"dmp/-/skipped/ID-INS-QUALIFIED/"}));
  request.insQualified = true;
  request.dmpConsent = false;
  EXPECT_EQ(summaries(routeDeliveries(request, {route("dmp", {Destination::kDmp})})),
            (std::vector<std::string>{"dmp/-/skipped/no-dmp-consent/"}));
}

TEST(Routing, PatientMessagingNeedsAQualifiedInsNir) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", false, false, true, ""}};
  const std::vector<ConnectorRoute> mss = {
      route("mss", {Destination::kPatient}, Addressing::kMssanteAddress)};
  EXPECT_EQ(summaries(routeDeliveries(request, mss)),
            (std::vector<std::string>{"patient/mss/pending//"}))
      << "the mailbox derives from the INS at send time: no target stored";
  request.insIsNir = false;
  EXPECT_EQ(summaries(routeDeliveries(request, mss)),
            (std::vector<std::string>{"patient/-/skipped/patient-ins-not-nir/"}));
  request.insIsNir = true;
  request.insQualified = false;
  EXPECT_EQ(summaries(routeDeliveries(request, mss)),
            (std::vector<std::string>{"patient/-/skipped/ID-INS-QUALIFIED/"}));
}

TEST(Routing, TreatingPhysicianPrefersMssanteThenFhirEndpoint) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", false, true, false, ""}};
  const std::vector<ConnectorRoute> connectors = {
      route("mss", {Destination::kTreatingPhysician}, Addressing::kMssanteAddress),
      route("tp-fhir", {Destination::kTreatingPhysician}, Addressing::kFhirEndpoint)};

  request.treatingPhysician = TreatingPhysicianAddresses{"dr@med.mssante.fr", "https://tp/fhir"};
  EXPECT_EQ(summaries(routeDeliveries(request, connectors)),
            (std::vector<std::string>{"treating-physician/mss/pending//dr@med.mssante.fr"}));

  request.treatingPhysician = TreatingPhysicianAddresses{std::nullopt, "https://tp/fhir"};
  EXPECT_EQ(summaries(routeDeliveries(request, connectors)),
            (std::vector<std::string>{"treating-physician/tp-fhir/pending//https://tp/fhir"}));

  request.treatingPhysician = TreatingPhysicianAddresses{};
  EXPECT_EQ(
      summaries(routeDeliveries(request, connectors)),
      (std::vector<std::string>{"treating-physician/-/skipped/no-treating-physician-endpoint/"}));

  request.treatingPhysician.reset();
  EXPECT_EQ(summaries(routeDeliveries(request, connectors)),
            (std::vector<std::string>{"treating-physician/-/skipped/no-treating-physician/"}));
}

TEST(Routing, AMailboxWithoutAnMssanteConnectorFallsBackToTheFhirEndpoint) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", false, true, false, ""}};
  request.treatingPhysician = TreatingPhysicianAddresses{"dr@med.mssante.fr", "https://tp/fhir"};
  EXPECT_EQ(summaries(routeDeliveries(request, {route("tp", {Destination::kTreatingPhysician},
                                                      Addressing::kFhirEndpoint)})),
            (std::vector<std::string>{"treating-physician/tp/pending//https://tp/fhir"}));
}

TEST(Routing, ADestinationWithoutConnectorIsSkippedWithItsReason) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", true, false, true, ""}};
  EXPECT_EQ(summaries(routeDeliveries(request, {})),
            (std::vector<std::string>{"dmp/-/skipped/no-connector-for-destination/",
                                      "patient/-/skipped/no-connector-for-destination/"}));
  ConnectorRoute disabled = route("dmp", {Destination::kDmp});
  disabled.enabled = false;
  EXPECT_EQ(summaries(routeDeliveries(qualifiedRequest(), {disabled})),
            (std::vector<std::string>{"dmp/-/skipped/no-connector-for-destination/"}));
}

TEST(Routing, TheEncounterGoesOnlyWhereAnAdministratorRoutedIt) {
  auto request = qualifiedRequest();
  request.documents.clear();
  request.includeEncounter = true;
  EXPECT_TRUE(routeDeliveries(request, {route("dmp", {Destination::kDmp})}).empty());
  const auto out = routeDeliveries(request, {route("hospital", {Destination::kEncounter})});
  EXPECT_EQ(summaries(out), (std::vector<std::string>{"encounter/hospital/pending//"}));
  EXPECT_FALSE(out[0].documentId.has_value());
  request.includeEncounter = false;  // documents added later
  EXPECT_TRUE(routeDeliveries(request, {route("hospital", {Destination::kEncounter})}).empty());
}

TEST(Routing, IdsAreDeterministicAndDistinct) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", true, true, true, ""}, {"doc-2", true, false, false, ""}};
  request.treatingPhysician = TreatingPhysicianAddresses{};
  const std::vector<ConnectorRoute> connectors = {
      route("a", {Destination::kDmp, Destination::kPatient}), route("b", {Destination::kDmp})};
  const auto first = routeDeliveries(request, connectors);
  const auto again = routeDeliveries(request, connectors);
  ASSERT_EQ(first.size(), again.size());
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].id, again[i].id);
    ids.push_back(first[i].id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
  request.recordId = "rec-2";
  EXPECT_NE(routeDeliveries(request, connectors)[0].id, first[0].id);
}

TEST(Routing, IdsOfATimeOrderedRecordShareItsTimestamp) {
  auto request = qualifiedRequest();
  request.documents = {{"doc-1", true, true, true, ""}};
  const std::vector<ConnectorRoute> connectors = {
      route("a", {Destination::kDmp, Destination::kPatient})};
  request.recordId = "01890a5d-ac96-774b-bcce-b302099a8057";
  const auto out = routeDeliveries(request, connectors);
  ASSERT_EQ(summaries(out),
            (std::vector<std::string>{"dmp/a/pending//",
                                      "treating-physician/-/skipped/no-treating-physician/",
                                      "patient/a/pending//"}));
  std::set<std::string> ids;
  for (const auto& d : out) {
    EXPECT_EQ(d.id.substr(0, 15), "01890a5d-ac96-7") << d.id;  // timestamp, version 7
    ids.insert(d.id);
  }
  EXPECT_EQ(ids.size(), out.size());
  EXPECT_EQ(routeDeliveries(request, connectors)[1].id, out[1].id);
}

namespace {

RoutingRequest treatingPhysicianRequest(std::optional<std::string> endpoint) {
  RoutingRequest r;
  r.recordId = "rec-1";
  r.documents.push_back({"doc-1", false, true, false, ""});
  r.treatingPhysician = TreatingPhysicianAddresses{std::nullopt, std::move(endpoint)};
  return r;
}

ConnectorRoute fhirRoute(std::string id, std::string allowedPrefix) {
  ConnectorRoute r =
      route(std::move(id), {Destination::kTreatingPhysician}, Addressing::kFhirEndpoint);
  r.acceptsTarget = [prefix = std::move(allowedPrefix)](std::string_view target) {
    return target.starts_with(prefix) && target.find("..") == std::string_view::npos;
  };
  return r;
}

}  // namespace

TEST(Routing, AnEndpointNoFhirRestInstanceAllowsIsSkippedNotQueued) {
  const auto out = routeDeliveries(treatingPhysicianRequest("https://evil.example/r4"),
                                   {fhirRoute("tp", "https://fhir.cabinet-martin.fr/r4")});
  EXPECT_EQ(summaries(out),
            (std::vector<std::string>{"treating-physician/-/skipped/ENDPOINT-NOT-ALLOWED/"}));
  EXPECT_FALSE(out[0].target.has_value()) << "the refused address is not stored";
}

TEST(Routing, AnEscapingEndpointIsSkippedWithEndpointNotAllowed) {
  const auto out =
      routeDeliveries(treatingPhysicianRequest("https://fhir.cabinet-martin.fr/r4/../../evil"),
                      {fhirRoute("tp", "https://fhir.cabinet-martin.fr/r4")});
  EXPECT_EQ(summaries(out),
            (std::vector<std::string>{"treating-physician/-/skipped/ENDPOINT-NOT-ALLOWED/"}));
}

TEST(Routing, AnEndpointAllowedByOneOfSeveralInstancesGoesOnlyToThatOne) {
  const auto out =
      routeDeliveries(treatingPhysicianRequest("https://fhir.cabinet-martin.fr/r4/Patient"),
                      {fhirRoute("other", "https://fhir.other.fr/r4"),
                       fhirRoute("martin", "https://fhir.cabinet-martin.fr/r4")});
  EXPECT_EQ(summaries(out),
            (std::vector<std::string>{"treating-physician/martin/pending//"
                                      "https://fhir.cabinet-martin.fr/r4/Patient"}));
}

TEST(Routing, AnInstanceWithoutAnAcceptanceRuleTakesEveryEndpoint) {
  const auto out =
      routeDeliveries(treatingPhysicianRequest("https://anywhere.example/r4"),
                      {route("tp", {Destination::kTreatingPhysician}, Addressing::kFhirEndpoint)});
  EXPECT_EQ(summaries(out), (std::vector<std::string>{"treating-physician/tp/pending//"
                                                      "https://anywhere.example/r4"}));
}

TEST(Routing, AFixedInstanceStillReceivesTheDocumentWhenTheEndpointIsRefused) {
  const auto out = routeDeliveries(treatingPhysicianRequest("https://evil.example/r4"),
                                   {route("outbox", {Destination::kTreatingPhysician}),
                                    fhirRoute("tp", "https://fhir.cabinet-martin.fr/r4")});
  EXPECT_EQ(summaries(out),
            (std::vector<std::string>{"treating-physician/outbox/pending//",
                                      "treating-physician/-/skipped/ENDPOINT-NOT-ALLOWED/"}));
}

TEST(Routing, WithoutAnyEndpointTheReasonStaysNoTreatingPhysicianEndpoint) {
  const auto out = routeDeliveries(treatingPhysicianRequest(std::nullopt),
                                   {fhirRoute("tp", "https://fhir.cabinet-martin.fr/r4")});
  EXPECT_EQ(
      summaries(out),
      (std::vector<std::string>{"treating-physician/-/skipped/no-treating-physician-endpoint/"}));
}

TEST(Routing, AKindAnInstanceDoesNotSendGoesOnlyToTheOthers) {
  auto request = qualifiedRequest();
  request.documents.front().kind = "sick-leave";
  ConnectorRoute xds = route("dmp-xds", {Destination::kDmp});
  xds.acceptsDocumentKind = [](std::string_view kind) { return kind != "sick-leave"; };
  EXPECT_EQ(summaries(routeDeliveries(request, {xds, route("dmp-mhd", {Destination::kDmp})})),
            (std::vector<std::string>{"dmp/dmp-mhd/pending//"}));
  // Alone, it leaves the document skipped with the reason, not queued to fail.
  EXPECT_EQ(summaries(routeDeliveries(request, {xds})),
            (std::vector<std::string>{"dmp/-/skipped/document-kind-not-sent/"}));
  // The kinds it sends, and a request that names no kind, still reach it.
  request.documents.front().kind = "report";
  EXPECT_EQ(summaries(routeDeliveries(request, {xds})),
            (std::vector<std::string>{"dmp/dmp-xds/pending//"}));
  request.documents.front().kind.clear();
  EXPECT_EQ(summaries(routeDeliveries(request, {xds})),
            (std::vector<std::string>{"dmp/dmp-xds/pending//"}));
}
