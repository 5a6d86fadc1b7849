#include "fhirgw/connectors/mhd/mhd_connector.hpp"

#include <algorithm>
#include <cctype>

#include "connector_support.hpp"
#include "fhirgw/connectors/options_reader.hpp"

namespace fhirgw::connectors {
namespace {

bool isOid(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

}  // namespace

void MhdConnectorFactory::readOptions(OptionsReader& r, MhdOptions& out) const {
  detail::readHttpOptions(r, out.http, /*requireMutualTls=*/true);
  if (auto base = r.string("baseUrl", /*required=*/true)) {
    if (auto url =
            detail::checkEndpointUrl(r, "baseUrl", *base, out.http.allowInsecureHttpForTesting)) {
      out.baseUrl = url->text;
    }
  }
  if (auto sourceId = r.string("sourceId", /*required=*/true)) {
    if (!isOid(*sourceId)) r.error("sourceId", "must be an OID such as 1.2.250.1.999.1");
    out.bundle.sourceId = *sourceId;
  }
  if (auto v = r.boolean("validate")) out.validate = *v;
}

common::Result<std::unique_ptr<MhdConnector>> MhdConnectorFactory::createTyped(
    MhdOptions options, const ConnectorContext& context) const {
  return MhdConnector::create(std::move(options), context);
}

common::Result<MhdOptions> parseMhdOptions(std::string_view optionsJson, const std::string& path) {
  return MhdConnectorFactory().parseOptions(optionsJson, path);
}

MhdConnector::MhdConnector(MhdOptions options, const ConnectorContext& context,
                           std::unique_ptr<HttpClient> client)
    : options_(std::move(options)), context_(context), client_(std::move(client)) {}

common::Result<std::unique_ptr<MhdConnector>> MhdConnector::create(
    MhdOptions options, const ConnectorContext& context) {
  FHIRGW_ASSIGN_OR_RETURN(auto client, HttpClient::create(options.http));
  return std::unique_ptr<MhdConnector>(
      new MhdConnector(std::move(options), context, std::move(client)));
}

DeliveryResult MhdConnector::deliver(const DeliveryPayload& payload, std::stop_token stop) {
  auto bundle = buildProvideBundleTree(payload, options_.bundle);
  if (!bundle)
    return DeliveryResult::permanent(bundle.error().message()).because("payload-refused");
  if (options_.validate) {
    if (auto refused = detail::validateBundle(context_.validator, *bundle)) return *refused;
  }
  return detail::postBundle(*client_, options_.baseUrl, bundle->serialize(), payload.deliveryId, {},
                            *context_.clock, std::move(stop));
}

ProbeResult MhdConnector::probe(std::stop_token stop) const {
  return client_->probe(options_.baseUrl, std::move(stop));
}

}  // namespace fhirgw::connectors
