#include "fhirgw/xds/signing.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "xmlsec_support.hpp"

namespace fhirgw::xds {

/// What load() read: the key as PKCS#8 PEM (wiped at destruction) and the certificate's facts.
struct SigningCredentials::Loaded {
  Loaded() = default;
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;
  Loaded(Loaded&&) = delete;
  Loaded& operator=(Loaded&&) = delete;
  ~Loaded() { OPENSSL_cleanse(keyPem.data(), keyPem.size()); }

  std::string keyPem;
  std::string certDer;
  std::string certPem;
  std::string subjectDn;
  std::string subjectDnRfc2253;
  std::string issuerDnRfc2253;
  std::string serialDecimal;
  std::chrono::system_clock::time_point notAfter;
};

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

common::Status unreadable(const char* what, const std::filesystem::path& path,
                          const std::string& why) {
  return common::invalidArgument(std::string("xds: the signing ") + what + " file " +
                                 path.string() + " " + why);
}

// The file's bytes; the key's copy is wiped by the caller once parsed.
common::Result<std::string> readAll(const char* what, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(what, path, "cannot be read");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return unreadable(what, path, "cannot be read");
  return bytes;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);  // NOLINT: OpenSSL macro over a C cast
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string nameText(const X509_NAME* name, unsigned long flags) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  return bioText(bio.get());
}

// Returning 0 from the password callback makes an encrypted key fail instead of prompting.
int noPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

std::chrono::system_clock::time_point timeOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

SigningCredentials::SigningCredentials(std::shared_ptr<const Loaded> loaded)
    : loaded_(std::move(loaded)) {}

common::Result<SigningCredentials> SigningCredentials::load(
    const std::filesystem::path& keyFile, const std::filesystem::path& certFile,
    std::chrono::system_clock::time_point now) {
  auto loaded = std::make_shared<Loaded>();
  std::unique_ptr<EVP_PKEY, KeyDeleter> key;
  {
    FHIRGW_ASSIGN_OR_RETURN(std::string keyBytes, readAll("key", keyFile));
    Bio in(BIO_new_mem_buf(keyBytes.data(), static_cast<int>(keyBytes.size())));
    if (in) key.reset(PEM_read_bio_PrivateKey(in.get(), nullptr, noPassword, nullptr));
    OPENSSL_cleanse(keyBytes.data(), keyBytes.size());
    ERR_clear_error();
    if (!key) {
      return unreadable("key", keyFile, "is not an unencrypted PEM private key");
    }
  }
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1) {
    return unreadable("key", keyFile, "is not an RSA key (the DMP's signatures are RSA)");
  }
  FHIRGW_ASSIGN_OR_RETURN(std::string certBytes, readAll("certificate", certFile));
  Bio certIn(BIO_new_mem_buf(certBytes.data(), static_cast<int>(certBytes.size())));
  std::unique_ptr<X509, X509Deleter> cert;
  if (certIn) cert.reset(PEM_read_bio_X509(certIn.get(), nullptr, noPassword, nullptr));
  ERR_clear_error();
  if (!cert) return unreadable("certificate", certFile, "is not a PEM certificate");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return common::invalidArgument("xds: the signing key " + keyFile.string() +
                                   " does not match the certificate " + certFile.string());
  }
  std::time_t at = std::chrono::system_clock::to_time_t(now);
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &at) <= 0) {
    return unreadable("certificate", certFile, "has expired");
  }
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &at) > 0) {
    return unreadable("certificate", certFile, "is not valid yet");
  }
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(cert.get()) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    return unreadable("certificate", certFile,
                      "does not allow signing (keyUsage has neither digitalSignature nor "
                      "nonRepudiation)");
  }

  {
    Bio out(BIO_new(BIO_s_mem()));
    if (!out || PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                              nullptr) != 1) {
      return common::internal("xds: the signing key cannot be re-encoded");
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);  // NOLINT: OpenSSL macro over a C cast
    loaded->keyPem.assign(data, static_cast<std::size_t>(n));
    OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  }
  unsigned char* der = nullptr;
  const int derLength = i2d_X509(cert.get(), &der);
  if (derLength <= 0) return common::internal("xds: the signing certificate cannot be encoded");
  loaded->certDer.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(derLength));
  OPENSSL_free(der);
  {
    Bio out(BIO_new(BIO_s_mem()));
    if (!out || PEM_write_bio_X509(out.get(), cert.get()) != 1) {
      return common::internal("xds: the signing certificate cannot be encoded");
    }
    loaded->certPem = bioText(out.get());
  }
  // RFC 2253 escaping, UTF-8 kept as is (a French O or CN may hold accents).
  constexpr unsigned long kStrings = ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  constexpr unsigned long kRfc2253 = kStrings | XN_FLAG_SEP_COMMA_PLUS | XN_FLAG_DN_REV |
                                     XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS;
  constexpr unsigned long kAnsOrder =
      kStrings | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS;
  loaded->subjectDn = nameText(X509_get_subject_name(cert.get()), kAnsOrder);
  loaded->subjectDnRfc2253 = nameText(X509_get_subject_name(cert.get()), kRfc2253);
  loaded->issuerDnRfc2253 = nameText(X509_get_issuer_name(cert.get()), kRfc2253);
  if (loaded->subjectDn.empty() || loaded->issuerDnRfc2253.empty()) {
    return unreadable("certificate", certFile, "has an empty subject or issuer");
  }
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  char* decimal = serial != nullptr ? BN_bn2dec(serial) : nullptr;
  BN_free(serial);
  if (decimal == nullptr) return common::internal("xds: the certificate serial cannot be read");
  loaded->serialDecimal = decimal;
  OPENSSL_free(decimal);
  loaded->notAfter = timeOf(X509_get0_notAfter(cert.get()));
  return SigningCredentials(std::move(loaded));
}

const std::string& SigningCredentials::certificateDer() const { return loaded_->certDer; }
const std::string& SigningCredentials::certificatePem() const { return loaded_->certPem; }
const std::string& SigningCredentials::subjectDn() const { return loaded_->subjectDn; }
const std::string& SigningCredentials::subjectDnRfc2253() const {
  return loaded_->subjectDnRfc2253;
}
const std::string& SigningCredentials::issuerDnRfc2253() const { return loaded_->issuerDnRfc2253; }
const std::string& SigningCredentials::serialDecimal() const { return loaded_->serialDecimal; }
std::chrono::system_clock::time_point SigningCredentials::notAfter() const {
  return loaded_->notAfter;
}

const std::string& detail::SigningKeyAccess::privateKeyPem(const SigningCredentials& credentials) {
  return credentials.loaded_->keyPem;
}

}  // namespace fhirgw::xds
