#pragma once

// Pieces shared by the connector types: transport options, bundle validation, sending a FHIR
// bundle over HTTP.

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/url.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/options_reader.hpp"

namespace fhirgw::fhir {
class Validator;
}

namespace fhirgw::connectors::detail {

/// Reads the transport keys (connectTimeoutMs, timeoutMs, maxResponseBytes, caFile,
/// clientCertificateFile, clientKeyFile, proxy, allowInsecureHttpForTesting,
/// allowedPrivateNetworks). With requireMutualTls
/// the CA file and the client certificate and key are required.
void readHttpOptions(OptionsReader& r, HttpClientOptions& out, bool requireMutualTls);

/// Reads `allowedPrivateNetworks` (an array of CIDR strings, default empty) into the policy: the
/// internal networks this instance may connect to on purpose. A bad entry is an error at its
/// index ("allowedPrivateNetworks[1]").
void readAllowedPrivateNetworks(OptionsReader& r, common::AddressPolicy& policy);

/// The XDS `sourceId` (required) and `uniqueIdRoot` (optional) options of the types that send
/// XDS metadata (`mssante`, `dmp-xds`): both OIDs.
void readXdsIds(OptionsReader& r, std::string& sourceId, std::string& uniqueIdRoot);

/// Parses and checks an endpoint URL at start-up (common::parseHttpUrl: no dot segments, encoded
/// slashes, user info, fragment...): https (or http with allowInsecureHttpForTesting), no query.
/// The normalised URL, or nullopt after adding an error at `key`.
std::optional<common::Url> checkEndpointUrl(OptionsReader& r, std::string_view key,
                                            const std::string& url, bool allowInsecureHttp);

/// Validates a built bundle when a validator is set: a permanent failure naming the error count
/// and the first location (no values) when it has errors. The tree is read as its serialize()
/// would parse (Json::toDocument: JSON numbers told from strings), without writing and reading
/// the text.
std::optional<DeliveryResult> validateBundle(const fhir::Validator* validator,
                                             const common::Json& bundle);

/// POSTs a FHIR bundle (with `Authorization: Bearer` when the token is not empty): the answer.
common::Result<HttpResponse> sendBundle(HttpClient& client, const std::string& url,
                                        const std::string& bundle, const std::string& deliveryId,
                                        const std::string& bearerToken, std::stop_token stop);

/// POSTs a FHIR bundle and classifies the answer.
DeliveryResult postBundle(HttpClient& client, const std::string& url, const std::string& bundle,
                          const std::string& deliveryId, const std::string& bearerToken,
                          const common::Clock& clock, std::stop_token stop);

/// True when the text parses (common::parseHttpUrl) and lies under one of the prefixes
/// (common::urlUnder: same scheme, host and port, a path boundary), so
/// "https://a.example/r4" admits neither "https://a.example.evil" nor ".../r4/../../evil".
bool endpointAllowed(std::string_view url, const std::vector<common::Url>& prefixes);

}  // namespace fhirgw::connectors::detail
