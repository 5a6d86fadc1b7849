#pragma once

#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::xds {
class SigningCredentials;
}

namespace fhirgw::connectors {

/// The XAdES algorithm profile (docs/xds.md): DRIMbox's SHA-1 one, or SHA-256.
enum class DmpXadesProfile { kLegacy, kSha256 };

/// The software product as the DMP knows it: the VIHF's LPS_* attributes.
struct DmpProduct {
  std::string name;                ///< LPS_Nom
  std::string version;             ///< LPS_Version
  std::string homologationNumber;  ///< LPS_ID_HOMOLOGATION_DMP (the CNDA/DMP number)
  std::string id;                  ///< LPS_ID (optional, e.g. an OID)
};

/// Options of the `dmp-xds` connector (docs/connectors.md): the DMP's web services, the
/// structure's two certificates (mutual TLS; VIHF and XAdES signing), who the structure is, the
/// product, and what is sent.
struct DmpXdsOptions {
  HttpClientOptions http;  ///< caFile, the authentication certificate (AUTH_CLI), timeouts
  std::string baseUrl;     ///< ".../si-dmp-server/v2/services"; ITI-41 goes to <baseUrl>/repository
  std::string signingCertificateFile;  ///< the structure's signing certificate (ORG SIGN), PEM
  std::string signingKeyFile;          ///< its private key, PEM
  std::string structureId;             ///< Identifiant_Structure: the Struct_IdNat
  std::string sector = "SA07";         ///< Secteur_Activite code (JDV_J61, TRE_R02)
  DmpProduct product;
  std::string sourceId;      ///< OID of the sending system (XDS sourceId)
  std::string uniqueIdRoot;  ///< root of the derived XDS uniqueIds; empty: xds's default
  std::string vihfVersion = "3.0";
  DmpXadesProfile xadesProfile = DmpXadesProfile::kLegacy;
  bool sendPrescriptions = true;  ///< the prescription copy (57833-6)
  bool sendSickLeave = false;     ///< the sick-leave copy (PRESC-AAT): opt-in only
  /// Attempts after which an error the gateway does not know goes dead (its code recorded).
  std::int64_t maxAttemptsOnUnknownError = 5;
};

/// Parses and checks the options JSON (the signing files are loaded too); errors name path + key.
common::Result<DmpXdsOptions> parseDmpXdsOptions(std::string_view optionsJson,
                                                 const std::string& path);

/// Feeds the production DMP: each document becomes a CDA R2 N1 document (xds/cda_builder.hpp)
/// sent in an IHE XDS.b Provide and Register (ITI-41) SOAP 1.2/MTOM request over mutual TLS, with
/// a signed VIHF in WS-Security and the XAdES signature of the submission set as its third
/// document. Ids derive from the delivery, so a retry resends the same uniqueIds.
class DmpXdsConnector final : public Connector {
 public:
  static common::Result<std::unique_ptr<DmpXdsConnector>> create(DmpXdsOptions options,
                                                                 const ConnectorContext& context);
  ~DmpXdsConnector() override;
  DmpXdsConnector(const DmpXdsConnector&) = delete;
  DmpXdsConnector& operator=(const DmpXdsConnector&) = delete;

  std::string_view type() const override { return "dmp-xds"; }
  Addressing addressing() const override { return Addressing::kFixed; }
  /// Reports always; prescriptions unless configured off; sick-leave copies only when
  /// configured (`documentKinds`).
  bool acceptsDocumentKind(std::string_view kind) const override;
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;
  /// TCP + mutual TLS handshake to the repository endpoint, no request sent.
  ProbeResult probe(std::stop_token stop) const override;

 private:
  DmpXdsConnector(DmpXdsOptions options, const ConnectorContext& context,
                  std::unique_ptr<HttpClient> client,
                  std::unique_ptr<const xds::SigningCredentials> credentials);

  DmpXdsOptions options_;
  ConnectorContext context_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<const xds::SigningCredentials> credentials_;
  std::string repositoryUrl_;
};

/// The `dmp-xds` type: its options, then DmpXdsConnector::create.
class DmpXdsConnectorFactory final : public TypedConnectorFactory<DmpXdsOptions, DmpXdsConnector> {
 public:
  DmpXdsConnectorFactory() : TypedConnectorFactory("dmp-xds") {}

 protected:
  void readOptions(OptionsReader& reader, DmpXdsOptions& out) const override;
  common::Result<std::unique_ptr<DmpXdsConnector>> createTyped(
      DmpXdsOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
