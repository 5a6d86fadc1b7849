#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/mssante/trust_space.hpp"
#include "fhirgw/connectors/smtp_client.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::connectors {

/// Options of the `mssante` connector: the operator's SMTP server, the application mailbox that
/// sends (its client certificate is required) and what goes into each message.
struct MssanteOptions {
  SmtpClientOptions smtp;        ///< url, timeouts, caFile, client certificate, optional AUTH
  std::string from;              ///< the application mailbox (inside the trust space)
  std::string productReference;  ///< X-MSS-NIL: the product's reference with the operator
  std::string sourceId;          ///< OID of the sending system (XDS sourceId)
  std::string uniqueIdRoot;      ///< root of the derived XDS uniqueIds; empty: xds's default
  TrustSpace trust;              ///< who may receive (every .mssante.fr domain, or a list)
};

/// Parses and checks the options JSON; errors name path + key.
common::Result<MssanteOptions> parseMssanteOptions(std::string_view optionsJson,
                                                   const std::string& path);

/// Sends each document as one e-mail through the MSSanté operator's SMTP server: a short text,
/// the document and IHE_XDM.ZIP, to the treating physician's mailbox or the patient's
/// Mon Espace Santé mailbox (`<INS-NIR>@patient.mssante.fr`). Recipients outside the trust
/// space are refused before any connection.
class MssanteConnector final : public Connector {
 public:
  static common::Result<std::unique_ptr<MssanteConnector>> create(MssanteOptions options,
                                                                  const ConnectorContext& context);

  std::string_view type() const override { return "mssante"; }
  Addressing addressing() const override { return Addressing::kMssanteAddress; }
  bool acceptsTarget(std::string_view target) const override;
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;
  /// SMTP connect, EHLO, STARTTLS (or implicit TLS) with the mailbox's certificate, AUTH when
  /// configured, QUIT: no mail sent.
  ProbeResult probe(std::stop_token stop) const override;

 private:
  MssanteConnector(MssanteOptions options, const ConnectorContext& context,
                   std::unique_ptr<SmtpClient> client);

  MssanteOptions options_;
  ConnectorContext context_;
  std::unique_ptr<SmtpClient> client_;
};

/// The `mssante` type: its options, then MssanteConnector::create.
class MssanteConnectorFactory final
    : public TypedConnectorFactory<MssanteOptions, MssanteConnector> {
 public:
  MssanteConnectorFactory() : TypedConnectorFactory("mssante") {}
  /// password (SMTP AUTH, written inline).
  std::vector<std::string> secretOptionKeys() const override;

 protected:
  void readOptions(OptionsReader& reader, MssanteOptions& out) const override;
  common::Result<std::unique_ptr<MssanteConnector>> createTyped(
      MssanteOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
