#include "fhirgw/connectors/routing.hpp"

#include <algorithm>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/common/ids.hpp"

namespace fhirgw::connectors {
namespace {

constexpr common::CodeTable<RoutedStatus, 2> kRoutedStatusNames{{{
    {RoutedStatus::kPending, "pending"},
    {RoutedStatus::kSkipped, "skipped"},
}}};

bool routedTo(const ConnectorRoute& c, Destination d) {
  return c.enabled &&
         std::find(c.destinations.begin(), c.destinations.end(), d) != c.destinations.end();
}

// Deterministic, and next to the record's id when that is time-ordered: a record's deliveries
// join the end of the deliveries' primary key instead of random leaves of it.
std::string deliveryId(const std::string& recordId, const std::optional<std::string>& documentId,
                       Destination destination, std::string_view connectorId) {
  return common::deterministicUuidNear(recordId, {"delivery", recordId, documentId.value_or(""),
                                                  destinationName(destination), connectorId});
}

RoutedDelivery pending(const RoutingRequest& request, const std::optional<std::string>& documentId,
                       Destination destination, const ConnectorRoute& connector,
                       std::optional<std::string> target = std::nullopt) {
  RoutedDelivery d;
  d.id = deliveryId(request.recordId, documentId, destination, connector.connectorId);
  d.documentId = documentId;
  d.destination = destination;
  d.connectorId = connector.connectorId;
  d.status = RoutedStatus::kPending;
  d.target = std::move(target);
  return d;
}

RoutedDelivery skipped(const RoutingRequest& request, const std::optional<std::string>& documentId,
                       Destination destination, std::string_view reason) {
  RoutedDelivery d;
  d.id = deliveryId(request.recordId, documentId, destination, "");
  d.documentId = documentId;
  d.destination = destination;
  d.status = RoutedStatus::kSkipped;
  d.reason = std::string(reason);
  return d;
}

// Why the destination does not apply to this record, or empty when it does.
std::string_view notApplicable(const RoutingRequest& request, Destination destination) {
  switch (destination) {
    case Destination::kDmp:
      if (!request.insQualified) return kSkipInsNotQualified;
      if (!request.dmpConsent) return kSkipNoDmpConsent;
      return {};
    case Destination::kPatient:
      if (!request.insQualified) return kSkipInsNotQualified;
      if (!request.insIsNir) return kSkipPatientInsNotNir;
      return {};
    case Destination::kTreatingPhysician:
      if (!request.treatingPhysician) return kSkipNoTreatingPhysician;
      return {};
    case Destination::kEncounter:
      return {};
  }
  return {};
}

void routeDocument(const RoutingRequest& request, const DocumentRouting& document,
                   Destination destination, const std::vector<ConnectorRoute>& connectors,
                   std::vector<RoutedDelivery>& out) {
  const std::optional<std::string> documentId = document.documentId;
  if (const auto reason = notApplicable(request, destination); !reason.empty()) {
    out.push_back(skipped(request, documentId, destination, reason));
    return;
  }
  std::vector<const ConnectorRoute*> candidates;
  bool kindRefused = false;  // an instance is routed here but does not send this kind
  for (const ConnectorRoute& c : connectors) {
    if (!routedTo(c, destination)) continue;
    if (!document.kind.empty() && c.acceptsDocumentKind && !c.acceptsDocumentKind(document.kind)) {
      kindRefused = true;
      continue;
    }
    candidates.push_back(&c);
  }
  if (candidates.empty()) {
    out.push_back(skipped(request, documentId, destination,
                          kindRefused ? kSkipDocumentKindNotSent : kSkipNoConnector));
    return;
  }
  const std::size_t before = out.size();
  bool recipientAddressed = false;
  for (const ConnectorRoute* c : candidates) {
    if (c->addressing == Addressing::kFixed) {
      out.push_back(pending(request, documentId, destination, *c));
    } else {
      recipientAddressed = true;
    }
  }
  if (recipientAddressed) {
    if (destination == Destination::kTreatingPhysician) {
      // MSSanté first when a mailbox is known, else FHIR REST when an endpoint is known.
      const TreatingPhysicianAddresses& tp = *request.treatingPhysician;
      bool refused = false;  // an instance of the kind exists but none accepts the address
      const auto pick = [&](Addressing kind, const std::optional<std::string>& address) {
        if (!address || address->empty()) return false;
        bool any = false;
        for (const ConnectorRoute* c : candidates) {
          if (c->addressing != kind) continue;
          if (c->acceptsTarget && !c->acceptsTarget(*address)) {
            refused = true;
            continue;
          }
          out.push_back(pending(request, documentId, destination, *c, *address));
          any = true;
        }
        return any;
      };
      if (!pick(Addressing::kMssanteAddress, tp.mssanteAddress) &&
          !pick(Addressing::kFhirEndpoint, tp.fhirEndpoint) && refused) {
        // Queued, it could never succeed: the editor and the status endpoint see why instead.
        out.push_back(skipped(request, documentId, destination, kSkipEndpointNotAllowed));
      }
    } else {
      // The patient's mailbox derives from the INS at send time; a FHIR endpoint has no meaning.
      for (const ConnectorRoute* c : candidates) {
        if (c->addressing == Addressing::kMssanteAddress) {
          out.push_back(pending(request, documentId, destination, *c));
        }
      }
    }
  }
  if (out.size() == before) {
    out.push_back(skipped(request, documentId, destination,
                          destination == Destination::kTreatingPhysician
                              ? kSkipNoTreatingPhysicianEndpoint
                              : kSkipNoConnector));
  }
}

}  // namespace

std::string_view routedStatusName(RoutedStatus status) { return kRoutedStatusNames.code(status); }

std::vector<RoutedDelivery> routeDeliveries(const RoutingRequest& request,
                                            const std::vector<ConnectorRoute>& connectors) {
  std::vector<RoutedDelivery> out;
  if (request.includeEncounter) {
    for (const ConnectorRoute& c : connectors) {
      if (routedTo(c, Destination::kEncounter)) {
        out.push_back(pending(request, std::nullopt, Destination::kEncounter, c));
      }
    }
  }
  for (const DocumentRouting& doc : request.documents) {
    if (doc.dmp) routeDocument(request, doc, Destination::kDmp, connectors, out);
    if (doc.treatingPhysician) {
      routeDocument(request, doc, Destination::kTreatingPhysician, connectors, out);
    }
    if (doc.patient) routeDocument(request, doc, Destination::kPatient, connectors, out);
  }
  return out;
}

}  // namespace fhirgw::connectors
