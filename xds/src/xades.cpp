#include "fhirgw/xds/xades.hpp"

#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <set>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/unique_ids.hpp"
#include "xmlsec_support.hpp"

namespace fhirgw::xds {
namespace {

using detail::xml;

constexpr const char* kDsNs = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* kManifestType = "http://www.w3.org/2000/09/xmldsig#Manifest";
constexpr const char* kManifestId = "IHEManifest";
constexpr const char* kSignedPropertiesId = "S0-SignedProperties";
constexpr const char* kPurposeOfSignature = "1.2.840.10065.1.12.1.14";
// DRIMbox's digest of the submission set's reference (IHE DSG writes "0"; dmp-xds.md §1.8).
constexpr const char* kSubmissionSetDigest = "AA==";

/// What differs between the two profiles.
struct Algorithms {
  xmlSecTransformId c14n;
  xmlSecTransformId signature;
  xmlSecTransformId digest;
  const char* digestUri;
  std::string (*hash)(std::string_view);
  const char* xadesNs;
  const char* signedPropertiesType;
  bool certDigestInDs;  ///< XAdES 1.3.2 puts CertDigest's children in ds:, 1.1.1 in its own
};

Algorithms algorithmsOf(XadesProfile profile) {
  if (profile == XadesProfile::kDmpSha256) {
    return {xmlSecTransformInclC14NWithCommentsId,
            xmlSecTransformRsaSha256Id,
            xmlSecTransformSha256Id,
            "http://www.w3.org/2001/04/xmlenc#sha256",
            common::sha256,
            "http://uri.etsi.org/01903/v1.3.2#",
            "http://uri.etsi.org/01903#SignedProperties",
            true};
  }
  return {xmlSecTransformInclC14NWithCommentsId,
          xmlSecTransformRsaSha1Id,
          xmlSecTransformSha1Id,
          "http://www.w3.org/2000/09/xmldsig#sha1",
          common::sha1,
          "http://uri.etsi.org/01903/v1.1.1#",
          "http://uri.etsi.org/01903/v1.1.1#SignedProperties",
          false};
}

common::Status checkInput(const XadesInput& in) {
  if (in.signatureId.empty()) return common::invalidArgument("xds: XAdES signatureId is missing");
  if (!isOid(in.signatureId)) {
    FHIRGW_RETURN_IF_ERROR(detail::checkNcName("XAdES signatureId", in.signatureId));
  }
  if (!isOid(in.submissionSetUniqueId)) {
    return common::invalidArgument("xds: XAdES submissionSetUniqueId is not an OID");
  }
  if (in.documents.empty()) return common::invalidArgument("xds: XAdES documents is empty");
  std::set<std::string> seen{in.submissionSetUniqueId};
  for (std::size_t i = 0; i < in.documents.size(); ++i) {
    const std::string field = "xds: XAdES documents[" + std::to_string(i) + "].uniqueId";
    if (!isOid(in.documents[i].uniqueId)) return common::invalidArgument(field + " is not an OID");
    if (!seen.insert(in.documents[i].uniqueId).second) {
      return common::invalidArgument(field + " is given twice");
    }
  }
  return common::Status::ok();
}

common::Status templateError() {
  return common::internal("xds: the XAdES signature template cannot be built");
}

// Sets the DigestValue of a Reference built by xmlSecTmpl*AddReference.
common::Status setDigestValue(xmlNodePtr reference, const std::string& base64) {
  if (reference == nullptr) return templateError();
  xmlNodePtr value = xmlSecFindChild(reference, xmlSecNodeDigestValue, xmlSecDSigNs);
  if (value == nullptr) return templateError();
  xmlNodeSetContent(value, xml(base64));
  return common::Status::ok();
}

/// The QualifyingProperties object: SigningTime, SigningCertificate, SignaturePolicyImplied.
xmlNodePtr addQualifyingProperties(xmlNodePtr object, xmlNsPtr ds, const Algorithms& a,
                                   const XadesInput& in, const SigningCredentials& credentials) {
  xmlNodePtr qualifying = xmlNewChild(object, nullptr, xml("QualifyingProperties"), nullptr);
  xmlNsPtr xad = xmlNewNs(qualifying, xml(a.xadesNs), xml("xad"));
  xmlSetNs(qualifying, xad);
  const std::string target = "#" + in.signatureId;
  xmlNewProp(qualifying, xml("Target"), xml(target));
  xmlNodePtr signedProperties = xmlNewChild(qualifying, xad, xml("SignedProperties"), nullptr);
  xmlNewProp(signedProperties, xml("Id"), xml(kSignedPropertiesId));
  xmlNodePtr signatureProperties =
      xmlNewChild(signedProperties, xad, xml("SignedSignatureProperties"), nullptr);
  xmlNewTextChild(signatureProperties, xad, xml("SigningTime"),
                  xml(common::formatInstantUtc(in.signingTime)));
  xmlNodePtr cert =
      xmlNewChild(xmlNewChild(signatureProperties, xad, xml("SigningCertificate"), nullptr), xad,
                  xml("Cert"), nullptr);
  xmlNodePtr certDigest = xmlNewChild(cert, xad, xml("CertDigest"), nullptr);
  xmlNsPtr digestNs = a.certDigestInDs ? ds : xad;
  xmlNodePtr method = xmlNewChild(certDigest, digestNs, xml("DigestMethod"), nullptr);
  xmlNewProp(method, xml("Algorithm"), xml(a.digestUri));
  xmlNewTextChild(certDigest, digestNs, xml("DigestValue"),
                  xml(common::base64Encode(a.hash(credentials.certificateDer()))));
  xmlNodePtr issuerSerial = xmlNewChild(cert, xad, xml("IssuerSerial"), nullptr);
  xmlNewTextChild(issuerSerial, ds, xml("X509IssuerName"), xml(credentials.issuerDnRfc2253()));
  xmlNewTextChild(issuerSerial, ds, xml("X509SerialNumber"), xml(credentials.serialDecimal()));
  xmlNewChild(xmlNewChild(signatureProperties, xad, xml("SignaturePolicyIdentifier"), nullptr), xad,
              xml("SignaturePolicyImplied"), nullptr);
  xmlNewChild(signedProperties, xad, xml("SignedDataObjectProperties"), nullptr);
  return signedProperties;
}

}  // namespace

common::Result<std::string> buildXadesSignature(const XadesInput& input, XadesProfile profile,
                                                const SigningCredentials& credentials) {
  FHIRGW_RETURN_IF_ERROR(checkInput(input));
  FHIRGW_RETURN_IF_ERROR(detail::ensureXmlSecInitialised());
  const Algorithms a = algorithmsOf(profile);

  detail::XmlDoc doc(xmlNewDoc(xml("1.0")));
  if (!doc) return templateError();
  doc->encoding = xmlStrdup(xml("UTF-8"));
  xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(doc.get(), a.c14n, a.signature,
                                                         xml(input.signatureId), xml("ds"));
  if (signature == nullptr) return templateError();
  xmlDocSetRootElement(doc.get(), signature);
  xmlNsPtr ds = xmlSearchNsByHref(doc.get(), signature, xml(kDsNs));

  // SignedInfo: the Manifest, then the SignedProperties; no transforms (DRIMbox's form).
  const std::string manifestUri = std::string("#") + kManifestId;
  const std::string propertiesUri = std::string("#") + kSignedPropertiesId;
  if (ds == nullptr ||
      xmlSecTmplSignatureAddReference(signature, a.digest, nullptr, xml(manifestUri),
                                      xml(kManifestType)) == nullptr ||
      xmlSecTmplSignatureAddReference(signature, a.digest, nullptr, xml(propertiesUri),
                                      xml(a.signedPropertiesType)) == nullptr) {
    return templateError();
  }
  xmlNodePtr keyInfo = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNodePtr x509 = keyInfo != nullptr ? xmlSecTmplKeyInfoAddX509Data(keyInfo) : nullptr;
  if (x509 == nullptr || xmlSecTmplX509DataAddCertificate(x509) == nullptr) {
    return templateError();
  }

  // Object 1: the purpose of the signature (ASTM E1762 "Source").
  xmlNodePtr purposeObject = xmlSecTmplSignatureAddObject(signature, nullptr, nullptr, nullptr);
  if (purposeObject == nullptr) return templateError();
  xmlNodePtr property =
      xmlNewChild(xmlNewChild(purposeObject, ds, xml("SignatureProperties"), nullptr), ds,
                  xml("SignatureProperty"), xml(kPurposeOfSignature));
  xmlNewProp(property, xml("Id"), xml("purposeOfSignature"));
  const std::string target = "#" + input.signatureId;
  xmlNewProp(property, xml("Target"), xml(target));

  // Object 2: the Manifest, its digests computed here over the bytes as sent.
  xmlNodePtr manifestObject = xmlSecTmplSignatureAddObject(signature, nullptr, nullptr, nullptr);
  xmlNodePtr manifest = manifestObject != nullptr
                            ? xmlSecTmplObjectAddManifest(manifestObject, xml(kManifestId))
                            : nullptr;
  if (manifest == nullptr) return templateError();
  const std::string setUri = "urn:oid:" + input.submissionSetUniqueId;
  FHIRGW_RETURN_IF_ERROR(setDigestValue(
      xmlSecTmplManifestAddReference(manifest, a.digest, nullptr, xml(setUri), nullptr),
      kSubmissionSetDigest));
  for (const XadesDocument& document : input.documents) {
    const std::string uri = "urn:oid:" + document.uniqueId;
    FHIRGW_RETURN_IF_ERROR(setDigestValue(
        xmlSecTmplManifestAddReference(manifest, a.digest, nullptr, xml(uri), nullptr),
        common::base64Encode(a.hash(document.bytes))));
  }

  // Object 3: the XAdES qualifying properties.
  xmlNodePtr xadesObject = xmlSecTmplSignatureAddObject(signature, nullptr, nullptr, nullptr);
  if (xadesObject == nullptr) return templateError();
  xmlNodePtr signedProperties = addQualifyingProperties(xadesObject, ds, a, input, credentials);

  FHIRGW_RETURN_IF_ERROR(detail::registerId(manifest, "Id"));
  FHIRGW_RETURN_IF_ERROR(detail::registerId(signedProperties, "Id"));
  FHIRGW_RETURN_IF_ERROR(
      detail::signTemplate(signature, credentials, XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS));

  xmlChar* bytes = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &bytes, &size, "UTF-8");
  if (bytes == nullptr || size <= 0) {
    xmlFree(bytes);
    return common::internal("xds: the XAdES signature cannot be serialised");
  }
  std::string out(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
  xmlFree(bytes);
  return out;
}

}  // namespace fhirgw::xds
