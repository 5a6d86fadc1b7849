#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/destination.hpp"

namespace fhirgw::connectors {

/// Reasons a delivery is recorded as skipped (RoutedDelivery::reason).
inline constexpr std::string_view kSkipInsNotQualified = "ID-INS-QUALIFIED";
inline constexpr std::string_view kSkipPatientInsNotNir = "patient-ins-not-nir";
inline constexpr std::string_view kSkipNoDmpConsent = "no-dmp-consent";
inline constexpr std::string_view kSkipNoTreatingPhysician = "no-treating-physician";
inline constexpr std::string_view kSkipNoTreatingPhysicianEndpoint =
    "no-treating-physician-endpoint";
inline constexpr std::string_view kSkipNoConnector = "no-connector-for-destination";
/// The treating physician's FHIR endpoint is not usable by any fhir-rest instance addressing
/// the recipient (not a clean https URL, or under none of their allowedEndpoints).
inline constexpr std::string_view kSkipEndpointNotAllowed = "ENDPOINT-NOT-ALLOWED";
/// Every instance routed to the destination is configured not to send this kind of document.
inline constexpr std::string_view kSkipDocumentKindNotSent = "document-kind-not-sent";

/// The destinations requested for one document, after the editor's `recipients` and the
/// defaults of its kind are resolved.
struct DocumentRouting {
  std::string documentId;
  bool dmp = false;
  bool treatingPhysician = false;
  bool patient = false;
  std::string kind;  ///< "report", "prescription", "sick-leave"; empty: any instance takes it
};

/// The declared treating physician's addresses.
struct TreatingPhysicianAddresses {
  std::optional<std::string> mssanteAddress;
  std::optional<std::string> fhirEndpoint;
};

/// Everything routing needs about one accepted submission, as plain values.
struct RoutingRequest {
  std::string recordId;
  bool includeEncounter = false;  ///< a new record: the encounter goes to `encounter` routes
  std::vector<DocumentRouting> documents;
  bool insQualified = false;  ///< the rules allow the INS (DMP and patient messaging)
  bool insIsNir = false;      ///< the INS is an INS-NIR (patient messaging needs one)
  bool dmpConsent = true;     ///< false: nothing goes to the DMP
  std::optional<TreatingPhysicianAddresses> treatingPhysician;  ///< nullopt: none declared
};

/// A configured connector instance as routing sees it.
struct ConnectorRoute {
  std::string connectorId;
  Addressing addressing = Addressing::kFixed;
  std::vector<Destination> destinations;
  bool enabled = true;
  /// Whether the instance would send to a recipient address (Connector::acceptsTarget); empty:
  /// every address. Must be pure (it is called while routing, under no lock).
  std::function<bool(std::string_view)> acceptsTarget;
  /// Whether the instance sends a kind of document (Connector::acceptsDocumentKind); empty:
  /// every kind. Pure, like acceptsTarget.
  std::function<bool(std::string_view)> acceptsDocumentKind;
};

/// Whether a routed delivery is queued for a connector or recorded as not sent.
enum class RoutedStatus {
  kPending,  ///< queued for its connector, due at once
  kSkipped,  ///< recorded with its reason, never sent
};

/// "pending" or "skipped" (the delivery states they become in the queue).
std::string_view routedStatusName(RoutedStatus status);

/// One delivery decided by routing, to be committed with its submission (the delivery engine
/// turns it into the queue's row: engine/store_rows.hpp).
struct RoutedDelivery {
  std::string id;  ///< deterministic: record, document, destination, connector
  std::optional<std::string> documentId;  ///< empty for the encounter itself
  Destination destination = Destination::kDmp;
  std::optional<std::string> connectorId;  ///< empty when skipped before reaching a connector
  RoutedStatus status = RoutedStatus::kPending;
  std::optional<std::string> reason;  ///< why skipped (kSkip* above)
  std::optional<std::string> target;  ///< the recipient's own address, when routed to it
};

/// Turns a submission into its deliveries: one per (document or encounter, destination,
/// connector). A destination that does not apply is one skipped delivery with its reason (INS
/// not qualified, no DMP consent, no treating physician or no usable address, no connector);
/// the encounter goes only to connectors routed to `encounter`, with no skipped entry
/// otherwise. Connectors with a fixed endpoint always receive their destinations; for the
/// treating physician, among connectors addressing the recipient, MSSanté is preferred when a
/// mailbox is known, else FHIR REST when an endpoint is known, with the address as target; a
/// FHIR endpoint that no such instance accepts (acceptsTarget) is skipped with
/// ENDPOINT-NOT-ALLOWED rather than queued to fail.
/// Ids are deterministic (record, document, destination, connector). Pure: no I/O.
std::vector<RoutedDelivery> routeDeliveries(const RoutingRequest& request,
                                            const std::vector<ConnectorRoute>& connectors);

}  // namespace fhirgw::connectors
