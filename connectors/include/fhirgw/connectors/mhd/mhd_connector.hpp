#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/formats/provide_bundle.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/registry.hpp"

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

 private:
  MhdConnector(MhdOptions options, const ConnectorContext& context,
               std::unique_ptr<HttpClient> client);
  MhdOptions options_;
  ConnectorContext context_;
  std::unique_ptr<HttpClient> client_;
};

/// The factory registered as "mhd".
std::unique_ptr<ConnectorFactory> makeMhdConnectorFactory();

}  // namespace fhirgw::connectors
