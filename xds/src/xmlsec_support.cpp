#include "xmlsec_support.hpp"

#include <libxml/parser.h>
#include <libxml/valid.h>
#include <libxml/xmlstring.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include <mutex>

#include "fhirgw/common/text.hpp"

namespace fhirgw::xds::detail {
namespace {

// xmlsec reports its errors through one global callback; by default it prints them to stderr.
// They are gathered per thread instead, so the call that failed can return them in its Status.
// The messages name xmlsec functions and objects, never key material.
thread_local std::string tlsXmlSecErrors;
constexpr std::size_t kMaxErrorText = 1000;

void collectError(const char* /*file*/, int /*line*/, const char* func, const char* /*errorObject*/,
                  const char* errorSubject, int /*reason*/, const char* msg) {
  if (tlsXmlSecErrors.size() >= kMaxErrorText) return;
  if (!tlsXmlSecErrors.empty()) tlsXmlSecErrors += "; ";
  tlsXmlSecErrors += func != nullptr ? func : "?";
  if (errorSubject != nullptr) tlsXmlSecErrors += std::string(" ") + errorSubject;
  if (msg != nullptr) tlsXmlSecErrors += std::string(": ") + msg;
}

std::string takeErrors() {
  std::string errors = std::move(tlsXmlSecErrors);
  tlsXmlSecErrors.clear();
  return errors.empty() ? "no detail" : errors;
}

common::Status initialise() {
  xmlInitParser();
  xmlSecErrorsSetCallback(collectError);
  if (xmlSecInit() < 0) return common::internal("xds: xmlsec cannot be initialised");
  if (xmlSecCheckVersion() != 1) {
    return common::internal("xds: the xmlsec library is not the version it was built against");
  }
  if (xmlSecCryptoAppInit(nullptr) < 0 || xmlSecCryptoInit() < 0) {
    return common::internal("xds: xmlsec's OpenSSL backend cannot be initialised: " + takeErrors());
  }
  return common::Status::ok();
}

struct KeyDeleter {
  void operator()(xmlSecKeyPtr key) const { xmlSecKeyDestroy(key); }
};
struct DSigCtxDeleter {
  void operator()(xmlSecDSigCtxPtr ctx) const { xmlSecDSigCtxDestroy(ctx); }
};

}  // namespace

common::Status ensureXmlSecInitialised() {
  static std::once_flag once;
  static common::Status status;
  std::call_once(once, [] { status = initialise(); });
  return status;
}

common::Status signTemplate(xmlNodePtr signature, const SigningCredentials& credentials,
                            unsigned int flags) {
  FHIRGW_RETURN_IF_ERROR(ensureXmlSecInitialised());
  tlsXmlSecErrors.clear();
  const std::string& pem = SigningKeyAccess::privateKeyPem(credentials);
  std::unique_ptr<xmlSecKey, KeyDeleter> key(xmlSecCryptoAppKeyLoadMemory(
      reinterpret_cast<const xmlSecByte*>(pem.data()), static_cast<xmlSecSize>(pem.size()),
      xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr));
  if (!key) return common::internal("xds: xmlsec cannot load the signing key: " + takeErrors());
  const std::string& der = credentials.certificateDer();
  if (xmlSecCryptoAppKeyCertLoadMemory(key.get(), reinterpret_cast<const xmlSecByte*>(der.data()),
                                       static_cast<xmlSecSize>(der.size()),
                                       xmlSecKeyDataFormatDer) < 0) {
    return common::internal("xds: xmlsec cannot load the signing certificate: " + takeErrors());
  }
  std::unique_ptr<xmlSecDSigCtx, DSigCtxDeleter> ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) return common::internal("xds: xmlsec cannot create a signature context");
  ctx->signKey = key.release();  // the context owns it from here
  ctx->flags = flags;
  // Only "#id" references are signed here; nothing is ever fetched.
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  if (xmlSecDSigCtxSign(ctx.get(), signature) < 0) {
    return common::internal("xds: xmlsec cannot sign: " + takeErrors());
  }
  return common::Status::ok();
}

common::Status registerId(xmlNodePtr node, const char* name) {
  xmlAttrPtr attr = xmlHasProp(node, xml(name));
  if (attr == nullptr) return common::internal(std::string("xds: no attribute ") + name);
  xmlChar* value = xmlNodeListGetString(node->doc, attr->children, 1);
  const bool added = value != nullptr && xmlAddID(nullptr, node->doc, value, attr) != nullptr;
  xmlFree(value);
  if (!added) return common::internal(std::string("xds: the ") + name + " cannot be registered");
  return common::Status::ok();
}

common::Status checkXmlText(std::string_view field, std::string_view text) {
  const std::string copy(text);
  if (copy.find('\0') != std::string::npos || xmlCheckUTF8(xml(copy)) == 0) {
    return common::invalidArgument("xds: " + std::string(field) + " is not UTF-8 text");
  }
  if (common::controlCharacterAt(text, true) != std::string_view::npos) {
    return common::invalidArgument("xds: " + std::string(field) +
                                   " holds a control character XML cannot carry");
  }
  return common::Status::ok();
}

common::Status checkNcName(std::string_view field, std::string_view text) {
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool ok = !text.empty() && (letter(text[0]) || text[0] == '_');
  for (const char c : text) {
    ok = ok && (letter(c) || digit(c) || c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return common::invalidArgument("xds: " + std::string(field) +
                                   " must be an XML ID (a letter or '_', then letters, digits, "
                                   "'_', '-', '.')");
  }
  return common::Status::ok();
}

}  // namespace fhirgw::xds::detail
