#include "fhirgw/xds/vihf.hpp"

#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include <memory>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/ids.hpp"
#include "xmlsec_support.hpp"

namespace fhirgw::xds {
namespace {

using detail::xml;

constexpr const char* kSamlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr const char* kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";
constexpr const char* kDsNs = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* kHl7Ns = "urn:hl7-org:v3";
constexpr const char* kX509SubjectName =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";

common::Status required(std::string_view field, const std::string& value) {
  if (value.empty())
    return common::invalidArgument("xds: VIHF " + std::string(field) + " is missing");
  return detail::checkXmlText("VIHF " + std::string(field), value);
}

common::Status optional(std::string_view field, const std::string& value) {
  return value.empty() ? common::Status::ok()
                       : detail::checkXmlText("VIHF " + std::string(field), value);
}

common::Status checkCode(const std::string& field, const VihfCode& code) {
  FHIRGW_RETURN_IF_ERROR(required(field + ".code", code.code));
  FHIRGW_RETURN_IF_ERROR(required(field + ".codeSystem", code.codeSystem));
  FHIRGW_RETURN_IF_ERROR(optional(field + ".displayName", code.displayName));
  return optional(field + ".codeSystemName", code.codeSystemName);
}

common::Status checkInput(const VihfInput& in) {
  if (in.vihfVersion != "3.0" && in.vihfVersion != "4.0") {
    return common::invalidArgument("xds: VIHF vihfVersion must be 3.0 or 4.0");
  }
  if (!in.assertionId.empty()) {
    FHIRGW_RETURN_IF_ERROR(detail::checkNcName("VIHF assertionId", in.assertionId));
  }
  FHIRGW_RETURN_IF_ERROR(required("nameId", in.nameId));
  FHIRGW_RETURN_IF_ERROR(required("subjectId", in.subjectId));
  if (in.roles.empty() || in.roles.size() > 2) {
    return common::invalidArgument("xds: VIHF roles must hold 1 or 2 codes");
  }
  for (std::size_t i = 0; i < in.roles.size(); ++i) {
    FHIRGW_RETURN_IF_ERROR(checkCode("roles[" + std::to_string(i) + "]", in.roles[i]));
  }
  FHIRGW_RETURN_IF_ERROR(required("secteurActivite", in.secteurActivite));
  FHIRGW_RETURN_IF_ERROR(required("identifiantStructure", in.identifiantStructure));
  FHIRGW_RETURN_IF_ERROR(required("resourceId", in.resourceId));
  FHIRGW_RETURN_IF_ERROR(required("ressourceUrn", in.ressourceUrn));
  FHIRGW_RETURN_IF_ERROR(required("authentificationMode", in.authentificationMode));
  FHIRGW_RETURN_IF_ERROR(checkCode("purposeOfUse", in.purposeOfUse));
  FHIRGW_RETURN_IF_ERROR(required("lpsNom", in.lpsNom));
  FHIRGW_RETURN_IF_ERROR(required("lpsVersion", in.lpsVersion));
  FHIRGW_RETURN_IF_ERROR(optional("lpsId", in.lpsId));
  FHIRGW_RETURN_IF_ERROR(required("lpsIdHomologationDmp", in.lpsIdHomologationDmp));
  FHIRGW_RETURN_IF_ERROR(required("authnContextClassRef", in.authnContextClassRef));
  FHIRGW_RETURN_IF_ERROR(optional("inclusivePrefixes", in.inclusivePrefixes));
  if (in.notBefore && in.notOnOrAfter && *in.notOnOrAfter <= *in.notBefore) {
    return common::invalidArgument("xds: VIHF notOnOrAfter must come after notBefore");
  }
  return common::Status::ok();
}

/// Builds the assertion's tree in its own document (libxml2 escapes every value).
class AssertionWriter {
 public:
  AssertionWriter() : doc_(xmlNewDoc(xml("1.0"))) {
    // With an encoding set, libxml2 writes non-ASCII attribute values as UTF-8, not &#x..;.
    doc_->encoding = xmlStrdup(xml("UTF-8"));
    root_ = xmlNewDocNode(doc_.get(), nullptr, xml("Assertion"), nullptr);
    xmlDocSetRootElement(doc_.get(), root_);
    saml_ = xmlNewNs(root_, xml(kSamlNs), xml("saml2"));
    xsi_ = xmlNewNs(root_, xml(kXsiNs), xml("xsi"));
    // Declared here although only ds:Signature uses it: the PrefixList names `ds`, so an
    // enclosing element's declaration of it would otherwise enter the canonical form.
    xmlNewNs(root_, xml(kDsNs), xml("ds"));
    xmlSetNs(root_, saml_);
  }

  xmlDocPtr doc() const { return doc_.get(); }
  xmlNodePtr root() const { return root_; }

  xmlNodePtr child(xmlNodePtr parent, const char* name, const std::string* text = nullptr) {
    return xmlNewTextChild(parent, saml_, xml(name), text != nullptr ? xml(*text) : nullptr);
  }

  void attribute(xmlNodePtr statement, const char* name, const std::string& value) {
    xmlNodePtr attr = child(statement, "Attribute");
    xmlNewProp(attr, xml("Name"), xml(name));
    child(attr, "AttributeValue", &value);
  }

  // One Attribute, one AttributeValue per code, each an HL7 v3 CE element (ANS example).
  void codeAttribute(xmlNodePtr statement, const char* name, const char* element,
                     const std::vector<VihfCode>& codes) {
    xmlNodePtr attr = child(statement, "Attribute");
    xmlNewProp(attr, xml("Name"), xml(name));
    for (const VihfCode& code : codes) {
      xmlNodePtr value = child(attr, "AttributeValue");
      xmlNodePtr ce = xmlNewChild(value, nullptr, xml(element), nullptr);
      xmlSetNs(ce, xmlNewNs(ce, xml(kHl7Ns), nullptr));
      xmlNewNsProp(ce, xsi_, xml("type"), xml("CE"));
      xmlNewProp(ce, xml("code"), xml(code.code));
      xmlNewProp(ce, xml("codeSystem"), xml(code.codeSystem));
      if (!code.codeSystemName.empty()) {
        xmlNewProp(ce, xml("codeSystemName"), xml(code.codeSystemName));
      }
      if (!code.displayName.empty()) xmlNewProp(ce, xml("displayName"), xml(code.displayName));
    }
  }

 private:
  detail::XmlDoc doc_;
  xmlNodePtr root_ = nullptr;
  xmlNsPtr saml_ = nullptr;
  xmlNsPtr xsi_ = nullptr;
};

common::Result<std::string> serialiseElement(xmlNodePtr node) {
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(xmlBufferCreate(), xmlBufferFree);
  if (!buffer) return common::internal("xds: out of memory serialising the VIHF");
  xmlSaveCtxtPtr save = xmlSaveToBuffer(buffer.get(), "UTF-8", XML_SAVE_NO_DECL);
  if (save == nullptr) return common::internal("xds: the VIHF cannot be serialised");
  const long written = xmlSaveTree(save, node);
  xmlSaveClose(save);
  if (written < 0) return common::internal("xds: the VIHF cannot be serialised");
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                     static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

}  // namespace

common::Result<std::string> buildSignedVihf(const VihfInput& input,
                                            const SigningCredentials& credentials) {
  FHIRGW_RETURN_IF_ERROR(checkInput(input));
  FHIRGW_RETURN_IF_ERROR(detail::ensureXmlSecInitialised());
  const std::string id = input.assertionId.empty() ? "_" + common::newUuid() : input.assertionId;
  const std::string instant = common::formatInstantUtc(input.issueInstant);

  AssertionWriter w;
  xmlNodePtr root = w.root();
  xmlNewProp(root, xml("ID"), xml(id));
  xmlNewProp(root, xml("IssueInstant"), xml(instant));
  xmlNewProp(root, xml("Version"), xml("2.0"));
  xmlNodePtr issuer = w.child(root, "Issuer", &credentials.subjectDn());
  xmlNewProp(issuer, xml("Format"), xml(kX509SubjectName));

  xmlNodePtr subject = w.child(root, "Subject");
  w.child(subject, "NameID", &input.nameId);
  if (input.notBefore || input.notOnOrAfter) {
    xmlNodePtr conditions = w.child(root, "Conditions");
    if (input.notBefore) {
      xmlNewProp(conditions, xml("NotBefore"), xml(common::formatInstantUtc(*input.notBefore)));
    }
    if (input.notOnOrAfter) {
      xmlNewProp(conditions, xml("NotOnOrAfter"),
                 xml(common::formatInstantUtc(*input.notOnOrAfter)));
    }
  }
  xmlNodePtr authn = w.child(root, "AuthnStatement");
  xmlNewProp(authn, xml("AuthnInstant"), xml(instant));
  w.child(w.child(authn, "AuthnContext"), "AuthnContextClassRef", &input.authnContextClassRef);

  // The order of the ANS example (IG-V2-DMP, 2024-09).
  xmlNodePtr statement = w.child(root, "AttributeStatement");
  w.attribute(statement, "VIHF_Version", input.vihfVersion);
  w.attribute(statement, "Authentification_Mode", input.authentificationMode);
  w.attribute(statement, "Secteur_Activite", input.secteurActivite);
  w.attribute(statement, "urn:oasis:names:tc:xacml:2.0:resource:resource-id", input.resourceId);
  w.attribute(statement, "Ressource_URN", input.ressourceUrn);
  w.attribute(statement, "urn:oasis:names:tc:xspa:1.0:subject:subject-id", input.subjectId);
  w.attribute(statement, "Identifiant_Structure", input.identifiantStructure);
  w.attribute(statement, "LPS_Version", input.lpsVersion);
  if (!input.lpsId.empty()) w.attribute(statement, "LPS_ID", input.lpsId);
  w.attribute(statement, "LPS_Nom", input.lpsNom);
  w.attribute(statement, "LPS_ID_HOMOLOGATION_DMP", input.lpsIdHomologationDmp);
  w.codeAttribute(statement, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse", "PurposeOfUse",
                  {input.purposeOfUse});
  w.codeAttribute(statement, "urn:oasis:names:tc:xacml:2.0:subject:role", "Role", input.roles);

  // The signature template, right after Issuer as the SAML schema orders it.
  xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(
      w.doc(), xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, nullptr, xml("ds"));
  if (signature == nullptr || xmlAddNextSibling(issuer, signature) == nullptr) {
    xmlFreeNode(signature);
    return common::internal("xds: the VIHF signature template cannot be built");
  }
  const std::string uri = "#" + id;
  xmlNodePtr reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id,
                                                         nullptr, xml(uri), nullptr);
  xmlNodePtr c14n = nullptr;
  if (reference != nullptr &&
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) != nullptr) {
    c14n = xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId);
  }
  xmlNodePtr keyInfo = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNodePtr x509 = keyInfo != nullptr ? xmlSecTmplKeyInfoAddX509Data(keyInfo) : nullptr;
  if (c14n == nullptr ||
      (!input.inclusivePrefixes.empty() &&
       xmlSecTmplTransformAddC14NInclNamespaces(c14n, xml(input.inclusivePrefixes)) < 0) ||
      x509 == nullptr || xmlSecTmplX509DataAddCertificate(x509) == nullptr) {
    return common::internal("xds: the VIHF signature template cannot be built");
  }
  FHIRGW_RETURN_IF_ERROR(detail::registerId(root, "ID"));
  FHIRGW_RETURN_IF_ERROR(detail::signTemplate(signature, credentials, 0));
  return serialiseElement(root);
}

}  // namespace fhirgw::xds
