#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/url.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/formats/transaction_bundle.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::connectors {

/// Options of the `fhir-rest` connector.
struct FhirRestOptions {
  /// The FHIR base URL the transaction is POSTed to (parsed and normalised). Absent: the
  /// recipient's own endpoint (the treating physician's fhirEndpoint, Delivery::target), which
  /// must lie under one of allowedEndpoints (common::urlUnder on parsed URLs).
  std::optional<common::Url> baseUrl;
  std::vector<common::Url> allowedEndpoints;  ///< URL prefixes accepted as recipient endpoints
  HttpClientOptions http;
  std::string bearerToken;  ///< read from bearerTokenFile at start-up; never logged
  TransactionBundleOptions bundle;
  bool validate = true;  ///< validate the bundle before sending (with the context's validator)
};

/// Parses and checks the options JSON (reads the bearer token file); errors name path + key.
common::Result<FhirRestOptions> parseFhirRestOptions(std::string_view optionsJson,
                                                     const std::string& path);

/// POSTs a `transaction` Bundle of the payload's resources with conditional creates (see
/// buildTransactionBundle) to a FHIR server over HTTPS.
class FhirRestConnector final : public Connector {
 public:
  static common::Result<std::unique_ptr<FhirRestConnector>> create(FhirRestOptions options,
                                                                   const ConnectorContext& context);
  std::string_view type() const override { return "fhir-rest"; }
  Addressing addressing() const override {
    return options_.baseUrl ? Addressing::kFixed : Addressing::kFhirEndpoint;
  }
  /// With baseUrl every target is accepted (it is not used); without, the target must parse
  /// (common::parseHttpUrl) and lie under one of allowedEndpoints.
  bool acceptsTarget(std::string_view target) const override;
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;

 private:
  FhirRestConnector(FhirRestOptions options, const ConnectorContext& context,
                    std::unique_ptr<HttpClient> client);
  FhirRestOptions options_;
  ConnectorContext context_;
  std::unique_ptr<HttpClient> client_;
};

/// The `fhir-rest` type: its options (the bearer token file is read once, here), then
/// FhirRestConnector::create.
class FhirRestConnectorFactory final
    : public TypedConnectorFactory<FhirRestOptions, FhirRestConnector> {
 public:
  FhirRestConnectorFactory() : TypedConnectorFactory("fhir-rest") {}

 protected:
  void readOptions(OptionsReader& reader, FhirRestOptions& out) const override;
  common::Result<std::unique_ptr<FhirRestConnector>> createTyped(
      FhirRestOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
