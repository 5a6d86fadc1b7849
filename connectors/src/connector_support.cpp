#include "connector_support.hpp"

#include <algorithm>

#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/xds/unique_ids.hpp"

namespace fhirgw::connectors::detail {

void readHttpOptions(OptionsReader& r, HttpClientOptions& out, bool requireMutualTls) {
  if (auto v = r.millis("connectTimeoutMs", 1, 240'000)) out.connectTimeout = *v;
  // Capped below the engine's default lease (5 min), so a claim outlives its attempt.
  if (auto v = r.millis("timeoutMs", 1, 240'000)) out.timeout = *v;
  if (auto v = r.integer("maxResponseBytes", 1024, 64LL << 20)) {
    out.maxResponseBytes = static_cast<std::size_t>(*v);
  }
  if (auto v = r.readableFile("caFile", requireMutualTls)) out.caFile = *v;
  if (auto v = r.readableFile("clientCertificateFile", requireMutualTls)) {
    out.clientCertificateFile = *v;
  }
  if (auto v = r.readableFile("clientKeyFile", requireMutualTls)) out.clientKeyFile = *v;
  if (r.has("clientCertificateFile") != r.has("clientKeyFile")) {
    r.error("clientKeyFile", "clientCertificateFile and clientKeyFile go together");
  }
  if (auto v = r.string("proxy")) out.proxy = *v;
  if (auto v = r.boolean("allowInsecureHttpForTesting")) out.allowInsecureHttpForTesting = *v;
  readAllowedPrivateNetworks(r, out.addressPolicy);
  if (out.connectTimeout > out.timeout) r.error("connectTimeoutMs", "must not exceed timeoutMs");
}

void readAllowedPrivateNetworks(OptionsReader& r, common::AddressPolicy& policy) {
  auto networks = r.strings("allowedPrivateNetworks");
  if (!networks) return;
  for (std::size_t i = 0; i < networks->size(); ++i) {
    auto network = common::parseIpNetwork((*networks)[i]);
    if (!network) {
      r.error("allowedPrivateNetworks[" + std::to_string(i) + "]", network.error().message());
      continue;
    }
    policy.allow(*network);
  }
}

void readXdsIds(OptionsReader& r, std::string& sourceId, std::string& uniqueIdRoot) {
  if (auto v = r.string("sourceId", /*required=*/true)) {
    if (!xds::isOid(*v)) r.error("sourceId", "must be an OID such as 1.2.250.1.999.1");
    sourceId = *v;
  }
  if (auto v = r.string("uniqueIdRoot")) {
    if (!xds::isOid(*v)) r.error("uniqueIdRoot", "must be an OID such as 1.2.250.1.999.1.2");
    uniqueIdRoot = *v;
  }
}

std::optional<common::Url> checkEndpointUrl(OptionsReader& r, std::string_view key,
                                            const std::string& url, bool allowInsecureHttp) {
  auto parsed = common::parseHttpUrl(url);
  if (!parsed) {
    r.error(key, "is not a usable endpoint URL: " + parsed.error().message());
    return std::nullopt;
  }
  if (parsed->scheme != "https" && !allowInsecureHttp) {
    r.error(key, "must be an https:// URL (plain http needs allowInsecureHttpForTesting)");
    return std::nullopt;
  }
  if (!parsed->query.empty() || url.find('?') != std::string::npos) {
    r.error(key, "must not have a query or a fragment");
    return std::nullopt;
  }
  return std::move(*parsed);
}

std::optional<DeliveryResult> validateBundle(const fhir::Validator* validator,
                                             const common::Json& bundle) {
  if (validator == nullptr) return std::nullopt;
  // A raw value that does not parse (none of the builders writes one).
  auto document = bundle.toDocument();
  if (!document)
    return DeliveryResult::permanent("bundle is not valid JSON").because("invalid-bundle");
  std::size_t errors = 0;
  std::string first;
  for (const fhir::Issue& issue : validator->validate(*document)) {
    if (issue.severity != fhir::IssueSeverity::kError &&
        issue.severity != fhir::IssueSeverity::kFatal) {
      continue;
    }
    if (errors++ == 0) first = issue.expression;
  }
  if (errors == 0) return std::nullopt;
  return DeliveryResult::permanent("bundle fails FHIR validation: " + std::to_string(errors) +
                                   " error(s), first at " + (first.empty() ? "?" : first))
      .because("invalid-bundle");
}

common::Result<HttpResponse> sendBundle(HttpClient& client, const std::string& url,
                                        const std::string& bundle, const std::string& deliveryId,
                                        const std::string& bearerToken, std::stop_token stop) {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.body = bundle;
  request.headers = {{"Content-Type", "application/fhir+json"},
                     {"Accept", "application/fhir+json"},
                     {"X-Request-ID", deliveryId}};
  if (!bearerToken.empty()) request.headers.emplace_back("Authorization", "Bearer " + bearerToken);
  return client.send(request, std::move(stop));
}

DeliveryResult postBundle(HttpClient& client, const std::string& url, const std::string& bundle,
                          const std::string& deliveryId, const std::string& bearerToken,
                          const common::Clock& clock, std::stop_token stop) {
  return classifyHttp(sendBundle(client, url, bundle, deliveryId, bearerToken, std::move(stop)),
                      clock.now());
}

bool endpointAllowed(std::string_view url, const std::vector<common::Url>& prefixes) {
  auto parsed = common::parseHttpUrl(url);
  if (!parsed) return false;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const common::Url& prefix) { return common::urlUnder(*parsed, prefix); });
}

}  // namespace fhirgw::connectors::detail
