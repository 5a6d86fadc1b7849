#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/signing.hpp"

namespace fhirgw::xds {

/// The algorithms and XAdES version of the submission set's signature (dmp-xds.md §1.8).
enum class XadesProfile {
  /// DRIMbox's, the only profile seen accepted by the DMP: SignedInfo canonicalised with C14N 1.0
  /// with comments, rsa-sha1, sha1 digests, XAdES 1.1.1 (CertDigest children in that namespace).
  kDmpLegacy,
  /// The same structure with rsa-sha256 and sha256 digests, XAdES 1.3.2 (CertDigest children
  /// ds:DigestMethod / ds:DigestValue, as its schema wants).
  kDmpSha256,
};

/// One document of the submission set, as sent.
struct XadesDocument {
  std::string uniqueId;    ///< its XDS uniqueId (an OID): the Manifest reference is urn:oid:<it>
  std::string_view bytes;  ///< exactly the bytes of its MIME part (read during the call only)
};

/// What the XAdES signature of a submission set covers.
struct XadesInput {
  /// Signature/@Id, and the Target of purposeOfSignature and QualifyingProperties: the
  /// signature document's uniqueId, as DRIMbox does (an OID is not an xs:ID; see xds.md).
  std::string signatureId;
  std::string submissionSetUniqueId;     ///< an OID; its Manifest reference carries "AA=="
  std::vector<XadesDocument> documents;  ///< the submission set's other documents, 1 or more
  std::chrono::system_clock::time_point signingTime;  ///< xad:SigningTime
};

/// The XAdES(-BES like) signature document of a submission set, as DRIMbox builds it: a
/// ds:Signature whose SignedInfo references the Manifest (#IHEManifest, Type Manifest) and the
/// SignedProperties (#S0-SignedProperties); KeyInfo with the certificate; an Object with the
/// purposeOfSignature SignatureProperty (1.2.840.10065.1.12.1.14); an Object with the Manifest:
/// urn:oid:<submission set> digest "AA==", then urn:oid:<document> with the digest of exactly
/// the given bytes (no transform); an Object with QualifyingProperties / SignedProperties
/// (SigningTime, SigningCertificate: CertDigest of the certificate's DER and IssuerSerial,
/// SignaturePolicyImplied). Signed with xmlsec1, manifests filled here and not resolved
/// (XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS): the SignedInfo reference to the Manifest covers them.
/// Returns the whole document as sent: XML declaration, UTF-8; its hash and size are computed
/// over exactly these bytes. kInvalidArgument naming the field for an id that is not an OID, no
/// document, a signatureId that is not usable as an XML Id; kInternal when xmlsec fails.
common::Result<std::string> buildXadesSignature(const XadesInput& input, XadesProfile profile,
                                                const SigningCredentials& credentials);

}  // namespace fhirgw::xds
