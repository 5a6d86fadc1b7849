#pragma once

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

/// The string values of an XPath 1.0 expression over the document (prefixes `rim`, `lcm`
/// and `cda` bound): the text of each node found, or one string for a string or number result.
std::vector<std::string> xpath(std::string_view xml, const std::string& expression);

/// The single value of an XPath expression; a test failure and "" when it finds 0 or several.
std::string xpathOne(std::string_view xml, const std::string& expression);

}  // namespace fhirgw::xds::testing
