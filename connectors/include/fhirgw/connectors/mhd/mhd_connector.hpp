#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/formats/provide_bundle.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::connectors {

/// Options of the `mhd` connector: mutual TLS is required.
struct MhdOptions {
  std::string baseUrl;  ///< the MHD Document Recipient's FHIR base; the transaction is POSTed there
  ProvideBundleOptions bundle;
  HttpClientOptions http;  ///< caFile, clientCertificateFile and clientKeyFile are required
  bool validate = true;
};

/// Parses and checks the options JSON; errors name path + key.
common::Result<MhdOptions> parseMhdOptions(std::string_view optionsJson, const std::string& path);

/// Sends each document as an IHE MHD ITI-65 Provide Document Bundle (ANS PDSm).
class MhdConnector final : public Connector {
 public:
  static common::Result<std::unique_ptr<MhdConnector>> create(MhdOptions options,
                                                              const ConnectorContext& context);
  std::string_view type() const override { return "mhd"; }
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;
  /// TCP + mutual TLS handshake to baseUrl, no request sent.
  ProbeResult probe(std::stop_token stop) const override;

 private:
  MhdConnector(MhdOptions options, const ConnectorContext& context,
               std::unique_ptr<HttpClient> client);
  MhdOptions options_;
  ConnectorContext context_;
  std::unique_ptr<HttpClient> client_;
};

/// The `mhd` type: its options, then MhdConnector::create.
class MhdConnectorFactory final : public TypedConnectorFactory<MhdOptions, MhdConnector> {
 public:
  MhdConnectorFactory() : TypedConnectorFactory("mhd") {}

 protected:
  void readOptions(OptionsReader& reader, MhdOptions& out) const override;
  common::Result<std::unique_ptr<MhdConnector>> createTyped(
      MhdOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
