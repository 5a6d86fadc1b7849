#pragma once

// Pieces shared by the connector types: transport options, bundle validation, sending a FHIR
// bundle over HTTP.

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "options_reader.hpp"

namespace fhirgw::fhir {
class Validator;
}

namespace fhirgw::connectors::detail {

/// Reads the transport keys (connectTimeoutMs, timeoutMs, maxResponseBytes, caFile,
/// clientCertificateFile, clientKeyFile, proxy, allowInsecureHttpForTesting). With requireMutualTls
/// the CA file and the client certificate and key are required.
void readHttpOptions(OptionsReader& r, HttpClientOptions& out, bool requireMutualTls);

/// Checks an endpoint URL at start-up: https (or http with allowInsecureHttpForTesting), a host,
/// no user info, no query or fragment. Adds an error at `key` otherwise.
void checkEndpointUrl(OptionsReader& r, std::string_view key, const std::string& url,
                      bool allowInsecureHttp);

/// Validates a built bundle when a validator is set: a permanent failure naming the error count
/// and the first location (no values) when it has errors.
std::optional<DeliveryResult> validateBundle(const fhir::Validator* validator,
                                             const std::string& bundle);

/// POSTs a FHIR bundle and classifies the answer.
DeliveryResult postBundle(HttpClient& client, const std::string& url, const std::string& bundle,
                          const std::string& deliveryId, const std::string& bearerToken,
                          const common::Clock& clock, std::stop_token stop);

/// True when url is prefix itself or lies under it (the prefix ends at a path boundary), so
/// "https://a.example" does not admit "https://a.example.evil".
bool urlUnderPrefix(std::string_view url, std::string_view prefix);

}  // namespace fhirgw::connectors::detail
