#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "fhirgw/common/result.hpp"

namespace fhirgw::xds {

namespace detail {
struct SigningKeyAccess;
}

/// The structure's signing cachet (the DMP's "ORG SIGN" certificate and its RSA private key),
/// loaded once and checked; it signs the VIHF and the XAdES. Immutable and cheap to copy (the
/// copies share one loaded key), safe to use from several threads at once. The private key never
/// leaves the object: no accessor, no log, and its bytes are wiped when the last copy goes.
class SigningCredentials {
 public:
  /// Reads an unencrypted PEM private key (PKCS#8 or traditional RSA) and a PEM certificate.
  /// kInvalidArgument, naming the file and the reason, when a file cannot be read or parsed, the
  /// key is not RSA or encrypted, the key does not match the certificate, the certificate is
  /// expired or not yet valid (at `now`), or its keyUsage allows neither digitalSignature nor
  /// nonRepudiation.
  static common::Result<SigningCredentials> load(
      const std::filesystem::path& keyFile, const std::filesystem::path& certFile,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  /// The certificate, DER bytes (what the XAdES CertDigest hashes and X509Certificate carries).
  const std::string& certificateDer() const;
  /// The certificate as PEM text.
  const std::string& certificatePem() const;
  /// The subject DN as the DMP's VIHF Issuer carries it: the RDNs in the certificate's order,
  /// separated by ", ", short names, RFC 2253 escaping, UTF-8 kept
  /// ("C=FR, ST=Paris (75), O=…, OU=…, CN=… ORG SIGN", the form of the ANS VIHF example).
  const std::string& subjectDn() const;
  /// The subject DN in RFC 2253 form (last RDN first, "," without space, as Java's
  /// X500Principal.getName() prints it).
  const std::string& subjectDnRfc2253() const;
  /// The issuer DN in RFC 2253 form, as XML-DSig's X509IssuerName wants it.
  const std::string& issuerDnRfc2253() const;
  /// The serial number in decimal, as XML-DSig's X509SerialNumber wants it.
  const std::string& serialDecimal() const;
  /// The end of the certificate's validity.
  std::chrono::system_clock::time_point notAfter() const;

 private:
  struct Loaded;
  explicit SigningCredentials(std::shared_ptr<const Loaded> loaded);
  std::shared_ptr<const Loaded> loaded_;
  friend struct detail::SigningKeyAccess;
};

}  // namespace fhirgw::xds
