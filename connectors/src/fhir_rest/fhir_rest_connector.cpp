#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "connector_support.hpp"
#include "fhirgw/connectors/options_reader.hpp"

namespace fhirgw::connectors {
namespace {

std::optional<std::string> readToken(OptionsReader& r) {
  auto file = r.readableFile("bearerTokenFile");
  if (!file) return std::nullopt;
  std::ifstream in(*file);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  const bool printable = !token.empty() && token.find_first_of(" \t\r\n") == std::string::npos;
  if (!printable) {
    r.error("bearerTokenFile", "must hold one token on one line");
    return std::nullopt;
  }
  return token;
}

}  // namespace

void FhirRestConnectorFactory::readOptions(OptionsReader& r, FhirRestOptions& out) const {
  detail::readHttpOptions(r, out.http, /*requireMutualTls=*/false);
  const bool insecure = out.http.allowInsecureHttpForTesting;
  if (auto base = r.string("baseUrl")) {
    out.baseUrl = detail::checkEndpointUrl(r, "baseUrl", *base, insecure);
  }
  if (auto allowed = r.strings("allowedEndpoints")) {
    for (std::size_t i = 0; i < allowed->size(); ++i) {
      if (auto url = detail::checkEndpointUrl(r, "allowedEndpoints[" + std::to_string(i) + "]",
                                              (*allowed)[i], insecure)) {
        out.allowedEndpoints.push_back(std::move(*url));
      }
    }
  }
  if (!out.baseUrl && out.allowedEndpoints.empty() && !r.has("baseUrl") &&
      !r.has("allowedEndpoints")) {
    r.error("allowedEndpoints",
            "is required without baseUrl (recipient endpoints are checked against it)");
  }
  if (r.has("baseUrl") && r.has("allowedEndpoints")) {
    r.error("allowedEndpoints", "applies only without baseUrl");
  }
  if (auto token = readToken(r)) out.bearerToken = *token;
  if (auto v = r.boolean("clientAssignedIds")) out.bundle.clientAssignedIds = *v;
  if (auto v = r.boolean("validate")) out.validate = *v;
}

common::Result<std::unique_ptr<FhirRestConnector>> FhirRestConnectorFactory::createTyped(
    FhirRestOptions options, const ConnectorContext& context) const {
  return FhirRestConnector::create(std::move(options), context);
}

common::Result<FhirRestOptions> parseFhirRestOptions(std::string_view optionsJson,
                                                     const std::string& path) {
  return FhirRestConnectorFactory().parseOptions(optionsJson, path);
}

FhirRestConnector::FhirRestConnector(FhirRestOptions options, const ConnectorContext& context,
                                     std::unique_ptr<HttpClient> client)
    : options_(std::move(options)), context_(context), client_(std::move(client)) {}

common::Result<std::unique_ptr<FhirRestConnector>> FhirRestConnector::create(
    FhirRestOptions options, const ConnectorContext& context) {
  FHIRGW_ASSIGN_OR_RETURN(auto client, HttpClient::create(options.http));
  return std::unique_ptr<FhirRestConnector>(
      new FhirRestConnector(std::move(options), context, std::move(client)));
}

bool FhirRestConnector::acceptsTarget(std::string_view target) const {
  return options_.baseUrl || detail::endpointAllowed(target, options_.allowedEndpoints);
}

DeliveryResult FhirRestConnector::deliver(const DeliveryPayload& payload, std::stop_token stop) {
  std::string url;
  if (options_.baseUrl) {
    url = options_.baseUrl->text;
  } else {
    if (!payload.target || payload.target->empty()) {
      return DeliveryResult::permanent("no recipient endpoint for this delivery")
          .because("endpoint-refused");
    }
    // Compared parsed and normalised, and the normalised text is what libcurl gets: a raw
    // string-prefix test let "<allowed>/../../evil" through (issue 8).
    auto target = common::parseHttpUrl(*payload.target);
    if (!target) {
      return DeliveryResult::permanent("recipient endpoint refused: " + target.error().message())
          .because("endpoint-refused");
    }
    const bool allowed =
        std::any_of(options_.allowedEndpoints.begin(), options_.allowedEndpoints.end(),
                    [&](const common::Url& prefix) { return common::urlUnder(*target, prefix); });
    if (!allowed) {
      return DeliveryResult::permanent("recipient endpoint is not in allowedEndpoints")
          .because("endpoint-refused");
    }
    url = target->text;
  }
  auto bundle = buildTransactionBundle(payload, options_.bundle);
  if (!bundle)
    return DeliveryResult::permanent(bundle.error().message()).because("payload-refused");
  if (options_.validate) {
    if (auto refused = detail::validateBundle(context_.validator, *bundle)) return *refused;
  }
  return detail::postBundle(*client_, url, *bundle, payload.deliveryId, options_.bearerToken,
                            *context_.clock, std::move(stop));
}

}  // namespace fhirgw::connectors
