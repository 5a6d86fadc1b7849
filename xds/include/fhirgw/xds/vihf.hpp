#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/signing.hpp"

namespace fhirgw::xds {

/// The exc-c14n InclusiveNamespaces PrefixList of the assertion's reference, as the ANS example
/// (dmp-xds.md §1.9).
inline constexpr const char* kVihfInclusivePrefixes = "ds saml #default xsi";

/// One HL7 v3 CE value of a VIHF attribute (the Role values, the PurposeOfUse).
struct VihfCode {
  std::string code;
  std::string codeSystem;
  std::string displayName;     ///< optional
  std::string codeSystemName;  ///< optional
};

/// The values of a DMP VIHF (dmp-xds.md §1.9); the comments name the attribute they fill.
struct VihfInput {
  std::string vihfVersion = "3.0";  ///< VIHF_Version: "3.0" or "4.0" (the ANS says both, §0.2)
  /// Assertion/@ID, an XML NCName; empty: a random "_<uuid>". A caller that wants the same
  /// assertion on a retry derives it (e.g. "_" + a deterministic UUID).
  std::string assertionId;
  std::chrono::system_clock::time_point issueInstant;  ///< IssueInstant and AuthnInstant
  std::optional<std::chrono::system_clock::time_point> notBefore;     ///< Conditions/@NotBefore
  std::optional<std::chrono::system_clock::time_point> notOnOrAfter;  ///< Conditions/@NotOnOrAfter
  std::string nameId;     ///< Subject/NameID: the PS's IDNPS (or the person responsible)
  std::string subjectId;  ///< subject-id: "Prénom Nom" of the PS, or "software, model, service"
  /// subject:role, 1 or 2 values: the profession (TRE_G15, e.g. 10 / 1.2.250.1.71.1.2.7
  /// "Medecin"), then for doctors and pharmacists the savoir-faire (TRE_R01, e.g. SM26 /
  /// 1.2.250.1.71.4.2.5); or AUTOMATE / 1.2.250.1.213.1.1.4.6.
  std::vector<VihfCode> roles;
  std::string secteurActivite;       ///< Secteur_Activite, "SA07^1.2.250.1.71.4.2.4"
  std::string identifiantStructure;  ///< Identifiant_Structure: the structure's Struct_IdNat
  /// resource-id: the patient CX, "<INS>^^^&1.2.250.1.213.1.4.8&ISO^NH"; must equal the
  /// submission set's patientId.
  std::string resourceId;
  std::string ressourceUrn = "urn:dmp";            ///< Ressource_URN
  std::string authentificationMode = "INDIRECTE";  ///< Authentification_Mode
  /// subject:purposeofuse; the default is the only value for feeding the DMP.
  VihfCode purposeOfUse{.code = "normal",
                        .codeSystem = "1.2.250.1.213.1.1.4.248",
                        .displayName = "Accès normal",
                        .codeSystemName = "mode acces VIHF 1.0"};
  std::string lpsNom;                ///< LPS_Nom: the product name
  std::string lpsVersion;            ///< LPS_Version
  std::string lpsId;                 ///< LPS_ID, optional (e.g. the product's OID)
  std::string lpsIdHomologationDmp;  ///< LPS_ID_HOMOLOGATION_DMP: the CNDA/DMP number
  /// AuthnStatement/AuthnContext/AuthnContextClassRef (the ANS example's value; DRIMbox sends
  /// urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient; open point §6.2).
  std::string authnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
  /// The PrefixList of the reference's exc-c14n transform. With the ANS list, `#default` and
  /// `saml` are rendered inclusively: an enclosing element that declares a default namespace or
  /// the prefix `saml` changes the canonical form and breaks the signature (`ds` and `xsi` are
  /// declared on the Assertion itself, so enclosing declarations of them do not matter).
  std::string inclusivePrefixes = kVihfInclusivePrefixes;
};

/// A saml2:Assertion (SAML 2.0) carrying the VIHF attributes, signed enveloped with the
/// credentials (ds:Signature right after saml2:Issuer; exc-c14n, rsa-sha256, sha256; reference
/// "#<ID>" with the enveloped-signature and exc-c14n transforms; KeyInfo/X509Data with the
/// certificate). Issuer: Format X509SubjectName, value credentials.subjectDn(). No
/// AudienceRestriction.
/// Returns the Assertion element serialised alone, UTF-8, no XML declaration, on one line. The
/// caller places these bytes unchanged inside wsse:Security: the signature covers the
/// exc-c14n form of the element, which does not depend on the enclosing elements' namespaces
/// (except the default namespace and `saml`, see inclusivePrefixes: the envelope must declare
/// neither), but any re-serialisation (pretty-printing, a parser's round trip) may break it.
/// kInvalidArgument naming the field when a required value is empty, not UTF-8 text, or the ID
/// is not an NCName; kInternal when xmlsec fails.
common::Result<std::string> buildSignedVihf(const VihfInput& input,
                                            const SigningCredentials& credentials);

}  // namespace fhirgw::xds
