#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/xds/signing.hpp"

namespace fhirgw::xds::testing {

/// What a shell command printed (stdout and stderr together) and its exit code.
struct CommandResult {
  int exitCode = -1;
  std::string output;
};

/// Runs `command` with /bin/sh.
CommandResult runCommand(const std::string& command);

/// The string values of an XPath 1.0 expression over a signed document, prefixes bound:
/// `saml2`, `ds`, `hl7`, `xad` (XAdES 1.1.1), `xad132` (XAdES 1.3.2), `ec` (exc-c14n).
std::vector<std::string> signedXpath(std::string_view xml, const std::string& expression);

/// The single value of an XPath expression; a test failure and "" when it finds 0 or several.
std::string signedXpathOne(std::string_view xml, const std::string& expression);

/// The test PKI's signing credentials ("sign", issued by the test CA).
SigningCredentials testSigningCredentials();

/// `xmlsec1 --verify` of the file `xml` holding a document, trusting only the test CA (never
/// the system's store), with the given extra options (ID attributes, --url-map...).
CommandResult xmlsecVerify(std::string_view xml, const std::string& options);

}  // namespace fhirgw::xds::testing
