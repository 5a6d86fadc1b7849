#include "schema_check.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::xds::testing {
namespace {

// libxml2's error callbacks are printf-like; gather their text.
void collect(void* context, const char* format, ...) {  // NOLINT(cert-dcl50-cpp): libxml2 API
  char line[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(args);
  static_cast<std::string*>(context)->append(line);
}

struct SchemaDeleter {
  void operator()(xmlSchemaPtr s) const { xmlSchemaFree(s); }
};

/// A schema, parsed once for the whole test binary; nullptr when it cannot be read.
xmlSchemaPtr parsedSchema(const std::string& path) {
  std::unique_ptr<xmlSchema, SchemaDeleter> parsed;
  if (!std::filesystem::exists(path)) return nullptr;
  xmlSchemaParserCtxtPtr ctxt = xmlSchemaNewParserCtxt(path.c_str());
  if (ctxt == nullptr) return nullptr;
  // CDA_extended.xsd imports the HL7 v3 namespace twice; libxml2 warns and carries on.
  std::string warnings;
  xmlSchemaSetParserErrors(ctxt, collect, collect, &warnings);
  parsed.reset(xmlSchemaParse(ctxt));
  xmlSchemaFreeParserCtxt(ctxt);
  return parsed.release();
}

xmlSchemaPtr lcmSchema() {
  static const std::unique_ptr<xmlSchema, SchemaDeleter> schema(parsedSchema(lcmSchemaPath()));
  return schema.get();
}

xmlSchemaPtr repositorySchema() {
  static const std::unique_ptr<xmlSchema, SchemaDeleter> schema(
      parsedSchema(repositorySchemaPath()));
  return schema.get();
}

xmlSchemaPtr cdaSchema() {
  static const std::unique_ptr<xmlSchema, SchemaDeleter> schema(parsedSchema(cdaSchemaPath()));
  return schema.get();
}

std::string validate(xmlSchemaPtr schema, const std::string& path, std::string_view xml,
                     const char* name) {
  if (schema == nullptr) {
    ADD_FAILURE() << "cannot read the schema " << path
                  << ": configure with -DFHIRGW_SHARED_DIR=<the shared folder>";
    return "no schema";
  }
  xmlDocPtr doc =
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), name, nullptr, XML_PARSE_NONET);
  if (doc == nullptr) return "not well-formed XML";
  std::string errors;
  xmlSchemaValidCtxtPtr valid = xmlSchemaNewValidCtxt(schema);
  xmlSchemaSetValidErrors(valid, collect, collect, &errors);
  const int rc = xmlSchemaValidateDoc(valid, doc);
  xmlSchemaFreeValidCtxt(valid);
  xmlFreeDoc(doc);
  if (rc != 0 && errors.empty()) errors = "invalid (code " + std::to_string(rc) + ")";
  return errors;
}

}  // namespace

std::string lcmSchemaPath() {
  return std::string(FHIRGW_SHARED_DIR) + "/reference/xds-schemas/ebRS/lcm.xsd";
}

std::string cdaSchemaPath() {
  return std::string(FHIRGW_SHARED_DIR) + "/reference/ans-cda/infrastructure/cda/CDA_extended.xsd";
}

std::string repositorySchemaPath() {
  return std::string(FHIRGW_SHARED_DIR) + "/reference/xds-schemas/IHE/XDS.b_DocumentRepository.xsd";
}

std::string repositorySchemaErrors(std::string_view xml) {
  return validate(repositorySchema(), repositorySchemaPath(), xml, "ITI41.XML");
}

std::string inlineXopParts(std::string_view soap, const std::map<std::string, std::string>& parts) {
  const auto name = [](const xmlNode* n, const char* ns, const char* local) {
    return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
           xmlStrEqual(n->ns->href, reinterpret_cast<const xmlChar*>(ns)) != 0 &&
           xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(local)) != 0;
  };
  const auto firstElement = [](const xmlNode* parent) -> xmlNodePtr {
    for (xmlNodePtr c = parent == nullptr ? nullptr : parent->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) return c;
    }
    return nullptr;
  };
  xmlDocPtr doc = xmlReadMemory(soap.data(), static_cast<int>(soap.size()), "SOAP.XML", nullptr,
                                XML_PARSE_NONET);
  if (doc == nullptr) {
    ADD_FAILURE() << "the SOAP envelope is not well-formed";
    return "";
  }
  std::string out;
  xmlNodePtr body = nullptr;
  for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c != nullptr; c = c->next) {
    if (name(c, "http://www.w3.org/2003/05/soap-envelope", "Body")) body = c;
  }
  xmlNodePtr request = firstElement(body);
  bool ok = name(request, "urn:ihe:iti:xds-b:2007", "ProvideAndRegisterDocumentSetRequest");
  for (xmlNodePtr d = ok ? request->children : nullptr; d != nullptr && ok; d = d->next) {
    if (!name(d, "urn:ihe:iti:xds-b:2007", "Document")) continue;
    xmlNodePtr include = firstElement(d);
    ok = name(include, "http://www.w3.org/2004/08/xop/include", "Include");
    if (!ok) break;
    xmlChar* href = xmlGetProp(include, reinterpret_cast<const xmlChar*>("href"));
    const std::string key = href == nullptr ? "" : reinterpret_cast<const char*>(href);
    xmlFree(href);
    auto part = parts.find(key);
    ok = part != parts.end();
    if (!ok) {
      ADD_FAILURE() << "no part for " << key;
      break;
    }
    xmlUnlinkNode(include);
    xmlFreeNode(include);
    const std::string base64 = common::base64Encode(part->second);
    xmlNodeSetContent(d, reinterpret_cast<const xmlChar*>(base64.c_str()));
  }
  if (ok) {
    xmlDocPtr alone = xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0"));
    xmlDocSetRootElement(alone, xmlDocCopyNode(request, alone, 1));
    xmlReconciliateNs(alone, xmlDocGetRootElement(alone));
    xmlChar* text = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(alone, &text, &size, "UTF-8");
    out.assign(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
    xmlFree(text);
    xmlFreeDoc(alone);
  } else {
    ADD_FAILURE() << "no ProvideAndRegisterDocumentSetRequest with xop:Include documents";
  }
  xmlFreeDoc(doc);
  return out;
}

std::string schemaErrors(std::string_view xml) {
  return validate(lcmSchema(), lcmSchemaPath(), xml, "METADATA.XML");
}

std::string cdaSchemaErrors(std::string_view xml) {
  return validate(cdaSchema(), cdaSchemaPath(), xml, "CDA.XML");
}

std::vector<std::string> xpath(std::string_view xml, const std::string& expression) {
  std::vector<std::string> values;
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "METADATA.XML", nullptr,
                                XML_PARSE_NONET);
  if (doc == nullptr) {
    ADD_FAILURE() << "not well-formed XML";
    return values;
  }
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathRegisterNs(
      ctx, reinterpret_cast<const xmlChar*>("rim"),
      reinterpret_cast<const xmlChar*>("urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"));
  xmlXPathRegisterNs(
      ctx, reinterpret_cast<const xmlChar*>("lcm"),
      reinterpret_cast<const xmlChar*>("urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"));
  for (const auto& [prefix, uri] : {
           std::pair{"cda", "urn:hl7-org:v3"},
           std::pair{"soap", "http://www.w3.org/2003/05/soap-envelope"},
           std::pair{"wsa", "http://www.w3.org/2005/08/addressing"},
           std::pair{"wsse",
                     "http://docs.oasis-open.org/wss/2004/01/"
                     "oasis-200401-wss-wssecurity-secext-1.0.xsd"},
           std::pair{"xdsb", "urn:ihe:iti:xds-b:2007"},
           std::pair{"xop", "http://www.w3.org/2004/08/xop/include"},
           std::pair{"saml2", "urn:oasis:names:tc:SAML:2.0:assertion"},
           std::pair{"rs", "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"},
       }) {
    xmlXPathRegisterNs(ctx, reinterpret_cast<const xmlChar*>(prefix),
                       reinterpret_cast<const xmlChar*>(uri));
  }
  xmlXPathObjectPtr result =
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), ctx);
  if (result == nullptr) {
    ADD_FAILURE() << "bad XPath " << expression;
  } else if (result->type == XPATH_NODESET) {
    const int n = result->nodesetval == nullptr ? 0 : result->nodesetval->nodeNr;
    for (int i = 0; i < n; ++i) {
      xmlChar* text = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
      values.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
      xmlFree(text);
    }
  } else {
    xmlChar* text = xmlXPathCastToString(result);
    values.emplace_back(reinterpret_cast<const char*>(text));
    xmlFree(text);
  }
  xmlXPathFreeObject(result);
  xmlXPathFreeContext(ctx);
  xmlFreeDoc(doc);
  return values;
}

std::string xpathOne(std::string_view xml, const std::string& expression) {
  std::vector<std::string> values = xpath(xml, expression);
  if (values.size() != 1) {
    ADD_FAILURE() << expression << " found " << values.size() << " values";
    return "";
  }
  return values.front();
}

}  // namespace fhirgw::xds::testing
