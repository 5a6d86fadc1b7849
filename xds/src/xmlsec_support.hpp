#pragma once

#include <libxml/tree.h>
#include <xmlsec/keys.h>

#include <memory>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/signing.hpp"

namespace fhirgw::xds::detail {

/// The one door to the private key of SigningCredentials, for the signers of this module.
struct SigningKeyAccess {
  /// The unencrypted PKCS#8 PEM of the key.
  static const std::string& privateKeyPem(const SigningCredentials& credentials);
};

struct XmlDocDeleter {
  void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocDeleter>;

/// Initialises libxml2, xmlsec and its OpenSSL backend once for the process (std::call_once);
/// the error of the first attempt is kept and returned to every caller.
common::Status ensureXmlSecInitialised();

/// Signs the filled template `signature` (a ds:Signature in its document, the ids it references
/// registered with xmlAddID) with the credentials' key and certificate; one key manager-free
/// xmlSecDSigCtx per call, so concurrent calls share nothing. `flags` are XMLSEC_DSIG_FLAGS_*.
/// kInternal with xmlsec's reasons when signing fails.
common::Status signTemplate(xmlNodePtr signature, const SigningCredentials& credentials,
                            unsigned int flags);

/// Registers the attribute `name` of `node` as an ID of its document (what "#<id>" resolves to).
common::Status registerId(xmlNodePtr node, const char* name);

/// kInvalidArgument naming `field` when `text` is not UTF-8 or holds a control character that
/// XML 1.0 cannot carry (tab, CR and LF allowed), else ok.
common::Status checkXmlText(std::string_view field, std::string_view text);

/// kInvalidArgument naming `field` when `text` is not an XML NCName made of ASCII letters,
/// digits, '_', '-' and '.' starting with a letter or '_' (an ID an XPointer "#id" can name).
common::Status checkNcName(std::string_view field, std::string_view text);

/// libxml2's xmlChar view of a string.
inline const xmlChar* xml(const std::string& s) {
  return reinterpret_cast<const xmlChar*>(s.c_str());
}
inline const xmlChar* xml(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

}  // namespace fhirgw::xds::detail
