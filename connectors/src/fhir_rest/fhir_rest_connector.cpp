#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "connector_support.hpp"
#include "fhirgw/connectors/options_reader.hpp"
#include "oauth2_client.hpp"

namespace fhirgw::connectors {
namespace {

bool isVisibleAscii(char c) { return c > 0x20 && c < 0x7f; }

// A secret goes into a header or a form: one line of printable ASCII; a token also has no space.
bool usableSecret(std::string_view text, bool spaceAllowed) {
  return !text.empty() && text.size() <= std::size_t{16} * 1024 &&
         std::all_of(text.begin(), text.end(), [spaceAllowed](char c) {
           return isVisibleAscii(c) || (spaceAllowed && c == ' ');
         });
}

std::string secretRule(bool spaceAllowed) {
  return spaceAllowed ? "must be one line of printable ASCII characters (value not shown)"
                      : "must be one token of visible ASCII characters, without spaces (value not "
                        "shown)";
}

// A secret option written inline; its value never appears in a message.
std::optional<std::string> inlineSecret(OptionsReader& r, std::string_view key, bool spaceAllowed) {
  auto v = r.string(key, common::Need::kOptional, "a string", common::Shown::kSecret);
  if (!v) return std::nullopt;
  if (!usableSecret(*v, spaceAllowed)) {
    r.error(key, secretRule(spaceAllowed));
    return std::nullopt;
  }
  return v;
}

// A secret read from a file at start-up: its one line, trailing line breaks and spaces dropped.
std::optional<std::string> fileSecret(OptionsReader& r, std::string_view key, bool spaceAllowed) {
  auto file = r.readableFile(key);
  if (!file) return std::nullopt;
  std::ifstream in(*file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() &&
         (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) {
    secret.pop_back();
  }
  if (!usableSecret(secret, spaceAllowed)) {
    r.error(key, spaceAllowed ? "must hold one line of printable ASCII characters"
                              : "must hold one token on one line");
    return std::nullopt;
  }
  return secret;
}

// Printable ASCII of at most `max` characters (ids, scopes: they travel in forms and JWTs).
bool printable(std::string_view text, std::size_t max) {
  return !text.empty() && text.size() <= max &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::optional<FhirRestOAuth2Options> readOAuth2(OptionsReader& o) {
  FhirRestOAuth2Options out;
  // https only, whatever allowInsecureHttpForTesting says: the client authenticates there.
  if (auto url = o.string("tokenUrl", /*required=*/true)) {
    if (auto parsed = detail::checkEndpointUrl(o, "tokenUrl", *url, /*allowInsecureHttp=*/false)) {
      out.tokenUrl = std::move(*parsed);
    }
  }
  if (auto id = o.string("clientId", /*required=*/true)) {
    if (!printable(*id, 256)) o.error("clientId", "must be printable ASCII, 1 to 256 characters");
    out.clientId = *id;
  }
  if (auto v = inlineSecret(o, "clientSecret", /*spaceAllowed=*/true)) out.clientSecret = *v;
  if (auto v = fileSecret(o, "clientSecretFile", /*spaceAllowed=*/true)) out.clientSecret = *v;
  if (auto jwt = o.child("privateKeyJwt")) {
    std::string algorithm;
    if (auto v = jwt->string("algorithm")) {
      if (*v != "RS256" && *v != "ES256") {
        jwt->error("algorithm", "must be \"RS256\" or \"ES256\"");
      } else {
        algorithm = *v;
      }
    }
    if (auto v = jwt->string("keyId")) {
      if (!printable(*v, 256)) jwt->error("keyId", "must be printable ASCII, 1 to 256 characters");
      out.keyId = *v;
    }
    if (auto file = jwt->readableFile("keyFile", /*required=*/true)) {
      // Loaded once here so a bad key stops the start; the connector loads it again.
      if (auto signer = detail::JwtSigner::load(*file, algorithm)) {
        out.privateKeyFile = *file;
        out.algorithm = signer->algorithm();
      } else {
        jwt->error("keyFile", signer.error().message());
      }
    }
    jwt->finish();
  }
  const int ways =
      int{o.has("clientSecret")} + int{o.has("clientSecretFile")} + int{o.has("privateKeyJwt")};
  if (ways == 0) {
    o.error("clientSecret", "is required, or clientSecretFile, or privateKeyJwt");
  } else if (ways > 1) {
    o.error("clientSecret", "clientSecret, clientSecretFile and privateKeyJwt exclude each other");
  }
  if (auto v = o.string("scope")) {
    if (!printable(*v, 1024)) o.error("scope", "must be printable ASCII, 1 to 1024 characters");
    out.scope = *v;
  }
  if (auto v = o.string("audience")) {
    if (!printable(*v, 1024)) o.error("audience", "must be printable ASCII, 1 to 1024 characters");
    if (!o.has("privateKeyJwt")) o.error("audience", "applies only with privateKeyJwt");
    out.audience = *v;
  }
  o.finish();
  return out;
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
  if (auto token = inlineSecret(r, "bearerToken", /*spaceAllowed=*/false)) out.bearerToken = *token;
  if (auto token = fileSecret(r, "bearerTokenFile", /*spaceAllowed=*/false)) {
    out.bearerToken = *token;
  }
  if (r.has("bearerToken") && r.has("bearerTokenFile")) {
    r.error("bearerToken", "bearerToken and bearerTokenFile exclude each other");
  }
  if (auto oauth2 = r.child("oauth2")) {
    out.oauth2 = readOAuth2(*oauth2);
    if (r.has("bearerToken") || r.has("bearerTokenFile")) {
      r.error("oauth2", "excludes a fixed bearer token (bearerToken, bearerTokenFile)");
    }
  }
  if (auto v = r.boolean("clientAssignedIds")) out.bundle.clientAssignedIds = *v;
  if (auto v = r.boolean("validate")) out.validate = *v;
}

common::Result<std::unique_ptr<FhirRestConnector>> FhirRestConnectorFactory::createTyped(
    FhirRestOptions options, const ConnectorContext& context) const {
  return FhirRestConnector::create(std::move(options), context);
}

std::vector<std::string> FhirRestConnectorFactory::secretOptionKeys() const {
  return {"bearerToken", "oauth2.clientSecret"};
}

common::Result<FhirRestOptions> parseFhirRestOptions(std::string_view optionsJson,
                                                     const std::string& path) {
  return FhirRestConnectorFactory().parseOptions(optionsJson, path);
}

FhirRestConnector::FhirRestConnector(FhirRestOptions options, const ConnectorContext& context,
                                     std::unique_ptr<HttpClient> client)
    : options_(std::move(options)), context_(context), client_(std::move(client)) {}

FhirRestConnector::~FhirRestConnector() = default;

common::Result<std::unique_ptr<FhirRestConnector>> FhirRestConnector::create(
    FhirRestOptions options, const ConnectorContext& context) {
  FHIRGW_ASSIGN_OR_RETURN(auto client, HttpClient::create(options.http));
  std::unique_ptr<FhirRestConnector> connector(
      new FhirRestConnector(std::move(options), context, std::move(client)));
  if (connector->options_.oauth2) {
    FHIRGW_ASSIGN_OR_RETURN(connector->oauth2_,
                            detail::OAuth2Client::create(*connector->options_.oauth2,
                                                         *connector->client_, *context.clock));
  }
  return common::Result<std::unique_ptr<FhirRestConnector>>(std::move(connector));
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
  auto bundle = buildTransactionBundleTree(payload, options_.bundle);
  if (!bundle)
    return DeliveryResult::permanent(bundle.error().message()).because("payload-refused");
  if (options_.validate) {
    if (auto refused = detail::validateBundle(context_.validator, *bundle)) return *refused;
  }
  return post(url, bundle->serialize(), payload.deliveryId, std::move(stop));
}

DeliveryResult FhirRestConnector::post(const std::string& url, const std::string& bundle,
                                       const std::string& deliveryId, std::stop_token stop) {
  if (!oauth2_) {
    return detail::postBundle(*client_, url, bundle, deliveryId, options_.bearerToken,
                              *context_.clock, std::move(stop));
  }
  detail::OAuth2Client::Token token = oauth2_->token(stop);
  if (token.failure) return std::move(*token.failure);
  auto sent = detail::sendBundle(*client_, url, bundle, deliveryId, token.value, stop);
  if (sent && sent->status == 401) {
    // The server no longer takes the token (revoked, or expired early): one more try with a new
    // one; a second 401 is the answer.
    oauth2_->invalidate(token.value);
    token = oauth2_->token(stop);
    if (token.failure) return std::move(*token.failure);
    sent = detail::sendBundle(*client_, url, bundle, deliveryId, token.value, stop);
  }
  return classifyHttp(sent, context_.clock->now());
}

ProbeResult FhirRestConnector::probe(std::stop_token stop) const {
  if (!options_.baseUrl) {
    return ProbeResult::failed(std::nullopt, "no-fixed-endpoint",
                               "no fixed endpoint to test: deliveries go to each recipient's own "
                               "FHIR endpoint, under allowedEndpoints");
  }
  return client_->probe(options_.baseUrl->text, std::move(stop));
}

}  // namespace fhirgw::connectors
