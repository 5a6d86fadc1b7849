#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::xds::testing {

/// The ebRS 3.0 lcm.xsd of the shared reference folder (FHIRGW_SHARED_DIR).
std::string lcmSchemaPath();

/// The ANS CDA_extended.xsd (CDA R2 with the French extensions) of the shared reference folder.
std::string cdaSchemaPath();

/// "" when the document is valid against CDA_extended.xsd, else libxml2's messages.
std::string cdaSchemaErrors(std::string_view xml);

/// "" when the document is valid against lcm.xsd, else libxml2's messages (and a test failure
/// naming FHIRGW_SHARED_DIR when the schema cannot be read).
std::string schemaErrors(std::string_view xml);

/// The IHE XDS.b_DocumentRepository.xsd (ProvideAndRegisterDocumentSetRequest) of the shared
/// reference folder.
std::string repositorySchemaPath();

/// "" when the document is valid against XDS.b_DocumentRepository.xsd, else libxml2's messages.
std::string repositorySchemaErrors(std::string_view xml);

/// The xdsb:ProvideAndRegisterDocumentSetRequest of a SOAP envelope as a document of its own,
/// each xdsb:Document's xop:Include replaced by the base64 of the part its href names (what an
/// MTOM reader hands to the schema, whose Document is base64Binary); "" and a test failure when
/// the envelope has no such request or an href names no part.
std::string inlineXopParts(std::string_view soap, const std::map<std::string, std::string>& parts);

/// The string values of an XPath 1.0 expression over the document (prefixes `rim`, `lcm`,
/// `cda`, `soap` (1.2), `wsa`, `wsse`, `xdsb`, `xop`, `saml2` and `rs` bound): the text of each
/// node found, or one string for a string or number result.
std::vector<std::string> xpath(std::string_view xml, const std::string& expression);

/// The single value of an XPath expression; a test failure and "" when it finds 0 or several.
std::string xpathOne(std::string_view xml, const std::string& expression);

}  // namespace fhirgw::xds::testing
