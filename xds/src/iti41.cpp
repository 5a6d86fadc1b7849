#include "fhirgw/xds/iti41.hpp"

#include <libxml/xmlwriter.h>

#include <algorithm>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"
#include "xml_support.hpp"

namespace fhirgw::xds {
namespace {

using detail::xmlText;

constexpr const char* kSoapNamespace = "http://www.w3.org/2003/05/soap-envelope";
constexpr const char* kWsaNamespace = "http://www.w3.org/2005/08/addressing";
constexpr const char* kWsseNamespace =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
constexpr const char* kXdsbNamespace = "urn:ihe:iti:xds-b:2007";
constexpr const char* kXopNamespace = "http://www.w3.org/2004/08/xop/include";
constexpr std::string_view kSamlNamespace = "urn:oasis:names:tc:SAML:2.0:assertion";
// The right-hand side of every Content-ID.
constexpr std::string_view kContentIdDomain = "@fhir-gateway";
constexpr std::size_t kMaxSeed = 48;
// A signed VIHF is a few kilobytes.
constexpr std::size_t kMaxAssertion = 1 << 20;

common::Status invalid(const std::string& message) {
  return common::invalidArgument("xds: " + message);
}

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// RFC 2045 token characters (no tspecials, no space or control).
bool isTokenChar(char c) {
  return isAlnum(c) || std::string_view("!#$%&'*+-.^_`{|}~").find(c) != std::string_view::npos;
}

/// `type/subtype`, each a non-empty RFC 2045 token: what may follow `Content-Type:` alone.
bool isMimeType(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != slash && !isTokenChar(text[i])) return false;
  }
  return true;
}

bool isUrnUuid(std::string_view text) {
  if (!text.starts_with("urn:uuid:") || text.size() != 45) return false;
  for (std::size_t i = 9; i < text.size(); ++i) {
    const std::size_t at = i - 9;
    const char c = text[i];
    if (at == 8 || at == 13 || at == 18 || at == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

/// A `cid:` URL for a Content-ID (without its brackets): RFC 2392 URL-encodes what a URL may not
/// hold.
std::string cidUrl(std::string_view contentId) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string url = "cid:";
  for (char c : contentId) {
    if (isAlnum(c) || std::string_view("-._~@").find(c) != std::string_view::npos) {
      url += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      url += '%';
      url += kHex[byte >> 4];
      url += kHex[byte & 0x0F];
    }
  }
  return url;
}

/// The assertion element without an XML declaration before it, checked to be one well-formed
/// SAML 2.0 Assertion.
common::Result<std::string_view> assertionElement(std::string_view assertion) {
  std::string_view element = assertion;
  if (element.starts_with("<?xml")) {
    const std::size_t end = element.find("?>");
    if (end == std::string_view::npos) return invalid("the VIHF assertion is not well-formed XML");
    element.remove_prefix(end + 2);
  }
  while (!element.empty() && (element.front() == '\n' || element.front() == '\r' ||
                              element.front() == ' ' || element.front() == '\t')) {
    element.remove_prefix(1);
  }
  if (!element.starts_with("<")) return invalid("the VIHF assertion is not an XML element");
  const detail::ParsedXml doc = detail::parseUntrusted(element, kMaxAssertion);
  if (doc == nullptr) return invalid("the VIHF assertion is not well-formed XML without a DTD");
  if (!detail::isElement(xmlDocGetRootElement(doc.get()), kSamlNamespace, "Assertion")) {
    return invalid("the VIHF assertion is not a SAML 2.0 Assertion element");
  }
  return element;
}

common::Status checkInput(const Submission& submission, const Iti41Envelope& envelope) {
  const Metadata& m = submission.metadata;
  if (submission.documents.size() != m.documents.size()) {
    return invalid("the submission has " + std::to_string(submission.documents.size()) +
                   " documents for " + std::to_string(m.documents.size()) + " entries");
  }
  for (std::size_t i = 0; i < m.documents.size(); ++i) {
    const DocumentEntry& d = m.documents[i];
    const std::string at = "documents[" + std::to_string(i) + "]";
    if (d.hash.empty()) return invalid(at + ".hash is missing");
    if (d.hash != common::hexEncode(common::sha1(submission.documents[i])) ||
        d.size != submission.documents[i].size()) {
      return invalid(at + " hash or size is not that of its bytes");
    }
    if (!isMimeType(d.mimeType)) return invalid(at + ".mimeType is not a MIME type");
  }
  if (!isUrnUuid(envelope.messageId)) return invalid("the MessageID is not a urn:uuid");
  if (envelope.to.empty()) return invalid("the wsa:To address is missing");
  if (envelope.boundarySeed.empty() || envelope.boundarySeed.size() > kMaxSeed ||
      !std::all_of(envelope.boundarySeed.begin(), envelope.boundarySeed.end(),
                   [](char c) { return isAlnum(c) || c == '-'; })) {
    return invalid("the MIME boundary seed must be 1 to 48 characters of [A-Za-z0-9-]");
  }
  return common::Status::ok();
}

/// The SOAP envelope, with xmlTextWriter (every value escaped) and the assertion and the
/// SubmitObjectsRequest spliced as they are.
class EnvelopeWriter {
 public:
  EnvelopeWriter() : buffer_(xmlBufferCreate()) {
    if (buffer_ != nullptr) writer_ = xmlNewTextWriterMemory(buffer_, 0);
    if (writer_ == nullptr) failed_ = true;
  }
  ~EnvelopeWriter() {
    if (writer_ != nullptr) xmlFreeTextWriter(writer_);
    if (buffer_ != nullptr) xmlBufferFree(buffer_);
  }
  EnvelopeWriter(const EnvelopeWriter&) = delete;
  EnvelopeWriter& operator=(const EnvelopeWriter&) = delete;

  void startDocument() { track(xmlTextWriterStartDocument(writer_, "1.0", "UTF-8", nullptr)); }
  /// Starts prefix:name, declaring the prefix when `ns` is given.
  void start(const char* prefix, const char* name, const char* ns = nullptr) {
    track(xmlTextWriterStartElementNS(writer_, xmlText(prefix), xmlText(name),
                                      ns == nullptr ? nullptr : xmlText(ns)));
  }
  void attribute(const char* name, const std::string& value) {
    track(xmlTextWriterWriteAttribute(writer_, xmlText(name), xmlText(value.c_str())));
  }
  void prefixedAttribute(const char* prefix, const char* name, const char* value) {
    track(xmlTextWriterWriteAttributeNS(writer_, xmlText(prefix), xmlText(name), nullptr,
                                        xmlText(value)));
  }
  void text(const std::string& value) {
    track(xmlTextWriterWriteString(writer_, xmlText(value.c_str())));
  }
  void raw(std::string_view bytes) {
    track(xmlTextWriterWriteRawLen(writer_, reinterpret_cast<const xmlChar*>(bytes.data()),
                                   static_cast<int>(bytes.size())));
  }
  void end() { track(xmlTextWriterEndElement(writer_)); }
  /// A whole element with a text.
  void element(const char* prefix, const char* name, const std::string& value) {
    start(prefix, name);
    text(value);
    end();
  }

  common::Result<std::string> finish() {
    track(xmlTextWriterEndDocument(writer_));
    track(xmlTextWriterFlush(writer_));
    if (failed_) return common::internal("xds: libxml2 could not write the SOAP envelope");
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_)),
                       static_cast<std::size_t>(xmlBufferLength(buffer_)));
  }

 private:
  void track(int rc) {
    if (rc < 0) failed_ = true;
  }

  xmlBufferPtr buffer_ = nullptr;
  xmlTextWriterPtr writer_ = nullptr;
  bool failed_ = false;
};

/// The lcm:SubmitObjectsRequest element of the metadata writer's document (its declaration off).
std::string_view withoutDeclaration(std::string_view xml) {
  if (xml.starts_with("<?xml")) {
    const std::size_t end = xml.find("?>");
    if (end != std::string_view::npos) xml.remove_prefix(end + 2);
  }
  while (!xml.empty() && (xml.front() == '\n' || xml.front() == '\r')) xml.remove_prefix(1);
  while (!xml.empty() && (xml.back() == '\n' || xml.back() == '\r')) xml.remove_suffix(1);
  return xml;
}

std::string contentId(const std::string& name, const std::string& seed) {
  return name + "." + seed + std::string(kContentIdDomain);
}

}  // namespace

common::Result<Iti41Request> writeIti41Request(const Submission& submission,
                                               const Iti41Envelope& envelope) {
  FHIRGW_RETURN_IF_ERROR(checkInput(submission, envelope));
  FHIRGW_ASSIGN_OR_RETURN(std::string_view assertion, assertionElement(envelope.assertion));
  FHIRGW_ASSIGN_OR_RETURN(std::string metadata,
                          writeSubmitObjectsRequest(submission.metadata, Flavor::kIti41));
  if (envelope.to.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
      xmlCheckUTF8(xmlText(envelope.to.c_str())) == 0) {
    return invalid("the wsa:To address is not a one-line UTF-8 text");
  }
  detail::initLibxml();

  const std::string& seed = envelope.boundarySeed;
  const std::string rootId = contentId("root", seed);
  std::vector<std::string> documentIds;
  for (std::size_t i = 0; i < submission.documents.size(); ++i) {
    documentIds.push_back(contentId("doc" + std::to_string(i + 1), seed));
  }

  EnvelopeWriter w;
  w.startDocument();
  w.start("soap", "Envelope", kSoapNamespace);
  w.start("soap", "Header");
  w.start("wsa", "MessageID", kWsaNamespace);
  w.text(envelope.messageId);
  w.end();
  w.start("wsa", "To", kWsaNamespace);
  w.text(envelope.to);
  w.end();
  w.start("wsa", "Action", kWsaNamespace);
  w.prefixedAttribute("soap", "mustUnderstand", "true");
  w.text(std::string(kIti41Action));
  w.end();
  w.start("wsse", "Security", kWsseNamespace);
  w.raw(assertion);
  w.end();
  w.end();  // Header
  w.start("soap", "Body");
  w.start("xdsb", "ProvideAndRegisterDocumentSetRequest", kXdsbNamespace);
  w.raw(withoutDeclaration(metadata));
  for (std::size_t i = 0; i < submission.documents.size(); ++i) {
    w.start("xdsb", "Document");
    w.attribute("id", documentObjectId(submission.metadata, i, Flavor::kIti41));
    w.start("xop", "Include", kXopNamespace);
    w.attribute("href", cidUrl(documentIds[i]));
    w.end();
    w.end();
  }
  w.end();  // ProvideAndRegisterDocumentSetRequest
  w.end();  // Body
  w.end();  // Envelope
  FHIRGW_ASSIGN_OR_RETURN(std::string soap, w.finish());

  // A boundary no part contains (RFC 2046 §5.1.1); bounded: each part can hold only so many.
  std::string boundary = "MIMEBoundary_" + seed;
  auto occurs = [&](const std::string& b) {
    if (soap.find(b) != std::string::npos) return true;
    return std::any_of(submission.documents.begin(), submission.documents.end(),
                       [&](const std::string& d) { return d.find(b) != std::string::npos; });
  };
  for (int n = 1; occurs(boundary); ++n) {
    if (n > 1000) return common::internal("xds: no MIME boundary fits these documents");
    boundary = "MIMEBoundary_" + seed + "_" + std::to_string(n);
  }

  const std::string action = std::string(kIti41Action);
  Iti41Request request;
  request.contentType = "multipart/related; boundary=\"" + boundary +
                        "\"; type=\"application/xop+xml\"; start=\"<" + rootId +
                        ">\"; start-info=\"application/soap+xml\"; action=\"" + action + "\"";
  std::string& body = request.body;
  std::size_t total = soap.size() + 512;
  for (const std::string& d : submission.documents) total += d.size() + 256;
  body.reserve(total);
  body += "--" + boundary + "\r\n";
  body +=
      "Content-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"; "
      "action=\"" +
      action + "\"\r\n";
  body += "Content-Transfer-Encoding: binary\r\n";
  body += "Content-ID: <" + rootId + ">\r\n\r\n";
  body += soap;
  for (std::size_t i = 0; i < submission.documents.size(); ++i) {
    // The CRLF before a delimiter belongs to the delimiter: the part is exactly the bytes.
    body += "\r\n--" + boundary + "\r\n";
    body += "Content-Type: " + submission.metadata.documents[i].mimeType + "\r\n";
    body += "Content-Transfer-Encoding: binary\r\n";
    body += "Content-ID: <" + documentIds[i] + ">\r\n\r\n";
    body += submission.documents[i];
  }
  body += "\r\n--" + boundary + "--\r\n";
  return request;
}

}  // namespace fhirgw::xds
