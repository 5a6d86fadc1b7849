#include "signature_check.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::xds::testing {

CommandResult runCommand(const std::string& command) {
  CommandResult result;
  const std::string line = command + " 2>&1";
  FILE* pipe = popen(line.c_str(), "r");  // NOLINT(cert-env33-c): test tool with fixed arguments
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  std::size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0)
    result.output.append(chunk.data(), n);
  const int status = pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<std::string> signedXpath(std::string_view xml, const std::string& expression) {
  std::vector<std::string> values;
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "signed.xml", nullptr,
                                XML_PARSE_NONET);
  if (doc == nullptr) {
    ADD_FAILURE() << "not well-formed XML";
    return values;
  }
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  const std::array<std::array<const char*, 2>, 6> prefixes{{
      {"saml2", "urn:oasis:names:tc:SAML:2.0:assertion"},
      {"ds", "http://www.w3.org/2000/09/xmldsig#"},
      {"hl7", "urn:hl7-org:v3"},
      {"xad", "http://uri.etsi.org/01903/v1.1.1#"},
      {"xad132", "http://uri.etsi.org/01903/v1.3.2#"},
      {"ec", "http://www.w3.org/2001/10/xml-exc-c14n#"},
  }};
  for (const auto& [prefix, uri] : prefixes) {
    xmlXPathRegisterNs(ctx, reinterpret_cast<const xmlChar*>(prefix),
                       reinterpret_cast<const xmlChar*>(uri));
  }
  xmlXPathObjectPtr found =
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), ctx);
  if (found == nullptr) {
    ADD_FAILURE() << "bad XPath " << expression;
  } else if (found->type == XPATH_NODESET && found->nodesetval != nullptr) {
    for (int i = 0; i < found->nodesetval->nodeNr; ++i) {
      xmlChar* text = xmlNodeGetContent(found->nodesetval->nodeTab[i]);
      values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      xmlFree(text);
    }
  } else if (found->type != XPATH_NODESET) {
    xmlChar* text = xmlXPathCastToString(found);
    values.emplace_back(reinterpret_cast<const char*>(text));
    xmlFree(text);
  }
  xmlXPathFreeObject(found);
  xmlXPathFreeContext(ctx);
  xmlFreeDoc(doc);
  return values;
}

std::string signedXpathOne(std::string_view xml, const std::string& expression) {
  const std::vector<std::string> values = signedXpath(xml, expression);
  if (values.size() != 1) {
    ADD_FAILURE() << expression << " found " << values.size() << " values";
    return "";
  }
  return values.front();
}

SigningCredentials testSigningCredentials() {
  const auto dir = testsupport::testPkiDir();
  auto loaded = SigningCredentials::load(dir / "sign.key", dir / "sign.pem");
  if (!loaded) throw std::runtime_error(loaded.error().toString());
  return *loaded;
}

CommandResult xmlsecVerify(std::string_view xml, const std::string& options) {
  const testsupport::TempDir dir("fhirgw-xmlsec");
  const auto file = dir.write("signed.xml", xml);
  const auto ca = testsupport::testPkiDir() / "ca.pem";
  return runCommand("xmlsec1 --verify --trusted-pem '" + ca.string() + "' " + options + " '" +
                    file.string() + "'");
}

}  // namespace fhirgw::xds::testing
