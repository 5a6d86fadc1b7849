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
  xmlXPathRegisterNs(ctx, reinterpret_cast<const xmlChar*>("cda"),
                     reinterpret_cast<const xmlChar*>("urn:hl7-org:v3"));
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
