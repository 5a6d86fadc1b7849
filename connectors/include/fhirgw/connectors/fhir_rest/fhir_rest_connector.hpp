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
namespace detail {
class OAuth2Client;
}

/// `oauth2` of the `fhir-rest` connector: an access token from the client credentials grant
/// (RFC 6749 §4.4), authenticated by a secret (client_secret_basic) or a signed JWT
/// (private_key_jwt, RFC 7523).
struct FhirRestOAuth2Options {
  common::Url tokenUrl;  ///< https, parsed and normalised; sent through the connector's client
  std::string clientId;
  std::string clientSecret;    ///< clientSecret, or read from clientSecretFile; never logged
  std::string privateKeyFile;  ///< privateKeyJwt.keyFile: PEM RSA (2048+) or P-256 EC key
  std::string keyId;           ///< privateKeyJwt.keyId: the assertion header's kid, when set
  std::string algorithm;       ///< privateKeyJwt.algorithm: "RS256" or "ES256" (from the key)
  std::string scope;           ///< sent when not empty
  std::string audience;        ///< the assertion's aud; empty: tokenUrl
};

/// Options of the `fhir-rest` connector.
struct FhirRestOptions {
  /// The FHIR base URL the transaction is POSTed to (parsed and normalised). Absent: the
  /// recipient's own endpoint (the treating physician's fhirEndpoint, Delivery::target), which
  /// must lie under one of allowedEndpoints (common::urlUnder on parsed URLs).
  std::optional<common::Url> baseUrl;
  std::vector<common::Url> allowedEndpoints;  ///< URL prefixes accepted as recipient endpoints
  HttpClientOptions http;
  std::string bearerToken;  ///< bearerToken, or read from bearerTokenFile at start-up; never logged
  std::optional<FhirRestOAuth2Options> oauth2;  ///< instead of a fixed bearer token
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
  ~FhirRestConnector() override;
  FhirRestConnector(const FhirRestConnector&) = delete;
  FhirRestConnector& operator=(const FhirRestConnector&) = delete;
  std::string_view type() const override { return "fhir-rest"; }
  Addressing addressing() const override {
    return options_.baseUrl ? Addressing::kFixed : Addressing::kFhirEndpoint;
  }
  /// With baseUrl every target is accepted (it is not used); without, the target must parse
  /// (common::parseHttpUrl) and lie under one of allowedEndpoints.
  bool acceptsTarget(std::string_view target) const override;
  /// With oauth2, a 401 of the FHIR server drops the token and the bundle is sent once more
  /// with a new one; a second 401 is the result.
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;
  /// TCP + TLS handshake to baseUrl; without one, "no-fixed-endpoint".
  ProbeResult probe(std::stop_token stop) const override;

 private:
  FhirRestConnector(FhirRestOptions options, const ConnectorContext& context,
                    std::unique_ptr<HttpClient> client);
  DeliveryResult post(const std::string& url, const std::string& bundle,
                      const std::string& deliveryId, std::stop_token stop);

  FhirRestOptions options_;
  ConnectorContext context_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<detail::OAuth2Client> oauth2_;  // uses client_: declared after it
};

/// The `fhir-rest` type: its options (the bearer token and client secret files are read once,
/// here), then FhirRestConnector::create.
class FhirRestConnectorFactory final
    : public TypedConnectorFactory<FhirRestOptions, FhirRestConnector> {
 public:
  FhirRestConnectorFactory() : TypedConnectorFactory("fhir-rest") {}
  /// bearerToken and oauth2.clientSecret.
  std::vector<std::string> secretOptionKeys() const override;

 protected:
  void readOptions(OptionsReader& reader, FhirRestOptions& out) const override;
  common::Result<std::unique_ptr<FhirRestConnector>> createTyped(
      FhirRestOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
