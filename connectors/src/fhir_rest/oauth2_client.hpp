#pragma once

// OAuth2 client credentials (RFC 6749 §4.4) for the fhir-rest connector: client_secret_basic or
// private_key_jwt (RFC 7523), the token cached until shortly before it expires. Private to the
// connectors module.

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/http_client.hpp"

namespace fhirgw::connectors::detail {

/// application/x-www-form-urlencoded encoding of one name or value: A-Z a-z 0-9 - . _ ~ kept,
/// space as '+', every other byte as %XX.
std::string formUrlEncode(std::string_view text);

/// base64url without padding (RFC 7515 §2), as JWTs carry their parts.
std::string base64Url(std::string_view bytes);

/// The private key of private_key_jwt and how it signs (RS256 or ES256 over SHA-256).
class JwtSigner {
 public:
  /// Loads an unencrypted PEM RSA or P-256 EC private key. `algorithm` "" takes the key's
  /// ("RS256" for RSA, "ES256" for EC); otherwise it must match the key. Errors
  /// (kInvalidArgument) name the file, never the key.
  static common::Result<JwtSigner> load(const std::string& keyFile, std::string_view algorithm);

  /// "RS256" or "ES256".
  const std::string& algorithm() const { return algorithm_; }
  /// The JWS signature of `signingInput` (header.claims): PKCS#1 v1.5, or for ES256 the raw
  /// r || s of 64 bytes (RFC 7518 §3.4), not DER.
  common::Result<std::string> sign(std::string_view signingInput) const;

 private:
  class Key;
  JwtSigner(std::shared_ptr<const Key> key, std::string algorithm);
  std::shared_ptr<const Key> key_;
  std::string algorithm_;
};

/// Gets access tokens from the token endpoint through the connector's own HttpClient (same CA,
/// client certificate, timeouts and address policy) and caches the last one. Thread-safe: one
/// request to the endpoint at a time, the others wait for its token.
class OAuth2Client {
 public:
  /// A token, or why there is none as the delivery's result.
  struct Token {
    std::string value;
    std::optional<DeliveryResult> failure;
  };

  /// Loads the private key of private_key_jwt when configured. `http` and `clock` must outlive
  /// the client.
  static common::Result<std::unique_ptr<OAuth2Client>> create(FhirRestOAuth2Options options,
                                                              HttpClient& http,
                                                              const common::Clock& clock);

  /// The cached token until 30 s (or a tenth of its life, whichever is smaller) before it
  /// expires, else a new one. Failures: 5xx, 408, 429 and transport errors transient; 400, 401
  /// and other refusals permanent (reason oauth2-token-refused); an answer without a usable
  /// bearer token permanent (oauth2-token-invalid). Messages never carry the secret, the
  /// assertion nor the token.
  Token token(std::stop_token stop);
  /// Forgets `value` if it is still the cached token (the FHIR server answered 401 to it), so the
  /// next token() asks for a new one; a token another thread already replaced is left alone.
  void invalidate(const std::string& value);

 private:
  OAuth2Client(FhirRestOAuth2Options options, std::optional<JwtSigner> signer, HttpClient& http,
               const common::Clock& clock);
  /// One request to the token endpoint.
  Token fetch(std::stop_token stop, common::TimePoint& expiresAt);
  common::Result<std::string> clientAssertion(common::TimePoint now) const;

  FhirRestOAuth2Options options_;
  std::optional<JwtSigner> signer_;
  HttpClient& http_;
  const common::Clock& clock_;

  std::mutex refreshMutex_;  // held while a request to the endpoint is in flight
  std::mutex mutex_;         // guards the cache below
  std::string token_;
  common::TimePoint refreshAt_{};
};

}  // namespace fhirgw::connectors::detail
