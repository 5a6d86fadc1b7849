#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "../connector_support.hpp"
#include "../options_reader.hpp"

namespace fhirgw::connectors {
namespace {

class FhirRestFactory final : public ConnectorFactory {
 public:
  std::string_view type() const override { return "fhir-rest"; }
  common::Result<std::unique_ptr<Connector>> create(
      const ConnectorInstanceConfig& instance, const ConnectorContext& context) const override {
    FHIRGW_ASSIGN_OR_RETURN(auto options,
                            parseFhirRestOptions(instance.optionsJson, instance.path + ".options"));
    auto connector = FhirRestConnector::create(std::move(options), context);
    if (!connector) {
      return common::invalidArgument(instance.path + ".options: " + connector.error().message());
    }
    return std::unique_ptr<Connector>(std::move(*connector));
  }
};

std::optional<std::string> readToken(detail::OptionsReader& r) {
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

common::Result<FhirRestOptions> parseFhirRestOptions(std::string_view optionsJson,
                                                     const std::string& path) {
  auto doc = common::parseJson(optionsJson);
  if (!doc) return common::invalidArgument(path + ": " + doc.error().message());
  std::vector<std::string> errors;
  detail::OptionsReader r(*doc, &doc->root(), path, errors);
  FhirRestOptions out;
  if (r.isObject()) {
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
    r.finish();
  }
  FHIRGW_RETURN_IF_ERROR(detail::errorsToStatus(errors));
  return out;
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
      return DeliveryResult::permanent("no recipient endpoint for this delivery");
    }
    // Compared parsed and normalised, and the normalised text is what libcurl gets: a raw
    // string-prefix test let "<allowed>/../../evil" through (issue 8).
    auto target = common::parseHttpUrl(*payload.target);
    if (!target) {
      return DeliveryResult::permanent("recipient endpoint refused: " + target.error().message());
    }
    const bool allowed =
        std::any_of(options_.allowedEndpoints.begin(), options_.allowedEndpoints.end(),
                    [&](const common::Url& prefix) { return common::urlUnder(*target, prefix); });
    if (!allowed) return DeliveryResult::permanent("recipient endpoint is not in allowedEndpoints");
    url = target->text;
  }
  auto bundle = buildTransactionBundle(payload, options_.bundle);
  if (!bundle) return DeliveryResult::permanent(bundle.error().message());
  if (options_.validate) {
    if (auto refused = detail::validateBundle(context_.validator, *bundle)) return *refused;
  }
  return detail::postBundle(*client_, url, *bundle, payload.deliveryId, options_.bearerToken,
                            *context_.clock, std::move(stop));
}

std::unique_ptr<ConnectorFactory> makeFhirRestConnectorFactory() {
  return std::make_unique<FhirRestFactory>();
}

}  // namespace fhirgw::connectors
