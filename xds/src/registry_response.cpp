#include "fhirgw/xds/registry_response.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <array>

#include "xml_support.hpp"

namespace fhirgw::xds {
namespace {

using detail::childElement;
using detail::isElement;
using detail::ParsedXml;
using detail::textOf;

constexpr std::string_view kSoapNamespace = "http://www.w3.org/2003/05/soap-envelope";
constexpr std::string_view kWsaNamespace = "http://www.w3.org/2005/08/addressing";
constexpr std::string_view kRsNamespace = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
constexpr std::size_t kMaxParts = 64;
constexpr std::size_t kMaxSubcodes = 8;
// What a reason keeps of a peer's code: enough to recognise it, nothing more.
constexpr std::size_t kMaxCodeInReason = 80;

common::Status invalid(const std::string& message) {
  return common::invalidArgument("xds: ITI-41 answer: " + message);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// A Content-Type: its media type (lower case) and its parameters (names lower case, values
/// unquoted). False when it cannot be read.
struct ContentType {
  std::string mediaType;
  std::vector<std::pair<std::string, std::string>> parameters;

  std::string parameter(std::string_view name) const {
    for (const auto& [key, value] : parameters) {
      if (key == name) return value;
    }
    return {};
  }
};

bool parseContentType(std::string_view text, ContentType& out) {
  std::size_t at = text.find(';');
  const std::string_view media = trim(text.substr(0, at));
  if (media.empty() || media.find('/') == std::string_view::npos) return false;
  for (char c : media) out.mediaType += lower(c);
  while (at != std::string_view::npos && at < text.size()) {
    ++at;  // past ';'
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    if (at >= text.size()) break;
    const std::size_t eq = text.find('=', at);
    if (eq == std::string_view::npos) return false;
    std::string name;
    for (char c : trim(text.substr(at, eq - at))) name += lower(c);
    std::string value;
    at = eq + 1;
    if (at < text.size() && text[at] == '"') {
      ++at;
      bool closed = false;
      while (at < text.size()) {
        const char c = text[at++];
        if (c == '\\' && at < text.size()) {
          value += text[at++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return false;
      at = text.find(';', at);
    } else {
      const std::size_t end = text.find(';', at);
      value = std::string(trim(text.substr(at, end == std::string_view::npos ? end : end - at)));
      at = end;
    }
    out.parameters.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

struct MimePart {
  std::string_view contentType;
  std::string_view contentId;
  std::string_view body;
};

/// The headers and body of one part (header names case-insensitive; CRLF or LF line ends).
bool parsePart(std::string_view raw, MimePart& part) {
  std::size_t at = 0;
  while (true) {
    const std::size_t eol = raw.find('\n', at);
    if (eol == std::string_view::npos) return false;  // no blank line after the headers
    std::string_view line = raw.substr(at, eol - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    at = eol + 1;
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (equalsIgnoreCase(name, "content-type")) part.contentType = value;
    if (equalsIgnoreCase(name, "content-id")) part.contentId = value;
  }
  part.body = raw.substr(at);
  return true;
}

/// The parts of a multipart body (RFC 2046 §5.1.1): a delimiter is "--boundary" at the start of
/// a line; the line break before it belongs to it.
common::Result<std::vector<MimePart>> splitMultipart(std::string_view body,
                                                     std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70) return invalid("the MIME boundary is not valid");
  const std::string dash = "--" + std::string(boundary);
  // Delimiter positions: at the start or right after an LF.
  auto next = [&](std::size_t from) {
    for (std::size_t at = body.find(dash, from); at != std::string_view::npos;
         at = body.find(dash, at + 1)) {
      if (at == 0 || body[at - 1] == '\n') return at;
    }
    return std::string_view::npos;
  };
  std::size_t at = next(0);
  if (at == std::string_view::npos) return invalid("no MIME delimiter in the multipart body");
  std::vector<MimePart> parts;
  while (true) {
    std::size_t after = at + dash.size();
    if (body.substr(after, 2) == "--") return parts;  // close delimiter
    // The rest of the delimiter line (transport padding) up to its line break.
    const std::size_t eol = body.find('\n', after);
    if (eol == std::string_view::npos) return invalid("a MIME delimiter line does not end");
    after = eol + 1;
    const std::size_t end = next(after);
    if (end == std::string_view::npos) return invalid("the multipart body is not closed");
    std::size_t stop = end;  // drop the line break that belongs to the delimiter
    if (stop > after && body[stop - 1] == '\n') --stop;
    if (stop > after && body[stop - 1] == '\r') --stop;
    MimePart part;
    if (!parsePart(body.substr(after, stop - after), part)) {
      return invalid("a MIME part has no header block");
    }
    parts.push_back(part);
    if (parts.size() > kMaxParts) return invalid("too many MIME parts");
    at = end;
  }
}

/// The SOAP envelope's bytes: the plain body, or the multipart's root part.
common::Result<std::string_view> envelopeBytes(std::string_view contentType,
                                               std::string_view body) {
  ContentType type;
  if (!parseContentType(contentType, type)) return invalid("the Content-Type cannot be read");
  if (type.mediaType == "application/soap+xml") return body;
  if (type.mediaType != "multipart/related") {
    return invalid("the Content-Type is neither application/soap+xml nor multipart/related");
  }
  FHIRGW_ASSIGN_OR_RETURN(std::vector<MimePart> parts,
                          splitMultipart(body, type.parameter("boundary")));
  if (parts.empty()) return invalid("the multipart body has no part");
  std::string start = type.parameter("start");
  if (!start.empty() && start.front() != '<') start = "<" + start + ">";
  const MimePart* root = &parts.front();
  if (!start.empty()) {
    auto it = std::find_if(parts.begin(), parts.end(),
                           [&](const MimePart& p) { return p.contentId == start; });
    if (it == parts.end()) return invalid("no MIME part has the start Content-ID");
    root = &*it;
  }
  ContentType rootType;
  if (!parseContentType(root->contentType, rootType) ||
      (rootType.mediaType != "application/xop+xml" &&
       rootType.mediaType != "application/soap+xml")) {
    return invalid("the root MIME part is not application/xop+xml");
  }
  return root->body;
}

std::string textContent(const xmlNode* node) {
  xmlChar* text = xmlNodeGetContent(node);
  std::string out(textOf(text));
  xmlFree(text);
  return out;
}

std::string attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, detail::xmlText(name));
  std::string out(textOf(value));
  xmlFree(value);
  return out;
}

std::string_view trimAll(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// A fault code QName: its local name when its prefix is the SOAP envelope's, else as written.
std::string faultCode(const xmlDoc* doc, const xmlNode* value) {
  std::string text(trimAll(textContent(value)));
  const std::size_t colon = text.find(':');
  const std::string prefix = colon == std::string::npos ? std::string() : text.substr(0, colon);
  xmlNsPtr ns = xmlSearchNs(const_cast<xmlDoc*>(doc), const_cast<xmlNode*>(value),
                            prefix.empty() ? nullptr : detail::xmlText(prefix.c_str()));
  if (ns != nullptr && textOf(ns->href) == kSoapNamespace) {
    return colon == std::string::npos ? text : text.substr(colon + 1);
  }
  return text;
}

common::Result<SoapFault> readFault(const xmlDoc* doc, const xmlNode* fault) {
  SoapFault f;
  const xmlNode* code = childElement(fault, kSoapNamespace, "Code");
  const xmlNode* value = childElement(code, kSoapNamespace, "Value");
  if (value == nullptr) return invalid("the SOAP Fault has no Code/Value");
  f.code = faultCode(doc, value);
  for (const xmlNode* sub = childElement(code, kSoapNamespace, "Subcode");
       sub != nullptr && f.subcodes.size() < kMaxSubcodes;
       sub = childElement(sub, kSoapNamespace, "Subcode")) {
    const xmlNode* subValue = childElement(sub, kSoapNamespace, "Value");
    if (subValue == nullptr) break;
    f.subcodes.emplace_back(trimAll(textContent(subValue)));
  }
  if (const xmlNode* reason = childElement(fault, kSoapNamespace, "Reason")) {
    if (const xmlNode* text = childElement(reason, kSoapNamespace, "Text")) {
      f.reason = std::string(trimAll(textContent(text)));
    }
  }
  return f;
}

common::Status readRegistryResponse(const xmlNode* response, Iti41Response& out) {
  const std::string status = attribute(response, "status");
  if (status == "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success") {
    out.status = RegistryStatus::kSuccess;
  } else if (status == "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess") {
    out.status = RegistryStatus::kPartialSuccess;
  } else if (status == "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure") {
    out.status = RegistryStatus::kFailure;
  } else {
    return invalid("the RegistryResponse status is not Success, PartialSuccess or Failure");
  }
  const xmlNode* list = childElement(response, kRsNamespace, "RegistryErrorList");
  if (list == nullptr) return common::Status::ok();
  for (const xmlNode* e = list->children; e != nullptr; e = e->next) {
    if (!isElement(e, kRsNamespace, "RegistryError")) continue;
    RegistryError error;
    error.errorCode = attribute(e, "errorCode");
    error.codeContext = attribute(e, "codeContext");
    error.location = attribute(e, "location");
    error.severity = attribute(e, "severity").ends_with(":Warning") ? ErrorSeverity::kWarning
                                                                    : ErrorSeverity::kError;
    out.errors.push_back(std::move(error));
  }
  return common::Status::ok();
}

/// A peer's code as it may appear in a reason: printable ASCII of a QName, bounded.
std::string safeCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (out.size() >= kMaxCodeInReason) break;
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == ':' || c == '.' || c == '_' || c == '-';
    out += keep ? c : '?';
  }
  return out.empty() ? "(none)" : out;
}

/// True when `text` holds `id` as a whole OID (not the start or end of a longer one).
bool namesId(std::string_view text, std::string_view id) {
  if (id.empty()) return false;
  for (std::size_t at = text.find(id); at != std::string_view::npos; at = text.find(id, at + 1)) {
    const std::size_t end = at + id.size();
    const auto partOfOid = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
    if ((at == 0 || !partOfOid(text[at - 1])) && (end == text.size() || !partOfOid(text[end]))) {
      return true;
    }
  }
  return false;
}

enum class Category { kTransient, kPermanent, kUnknown, kOurDuplicate };

// IHE ITI TF-3 Table 4.2.4.1-2 (error codes), read for a Provide and Register.
constexpr std::array kTransientCodes = {
    std::string_view("XDSRegistryBusy"),           std::string_view("XDSRepositoryBusy"),
    std::string_view("XDSRegistryOutOfResources"), std::string_view("XDSRepositoryOutOfResources"),
    std::string_view("XDSRegistryNotAvailable"),
};
constexpr std::array kPermanentCodes = {
    std::string_view("XDSMissingDocument"),
    std::string_view("XDSMissingDocumentMetadata"),
    std::string_view("XDSRegistryDuplicateUniqueIdInMessage"),
    std::string_view("XDSRepositoryDuplicateUniqueIdInMessage"),
    std::string_view("XDSNonIdenticalHash"),
    std::string_view("XDSNonIdenticalSize"),
    std::string_view("XDSRegistryMetadataError"),
    std::string_view("XDSRepositoryMetadataError"),
    std::string_view("XDSUnknownPatientId"),
    std::string_view("XDSPatientIdDoesNotMatch"),
    std::string_view("XDSUnknownRepositoryId"),
    std::string_view("XDSDocumentUniqueIdError"),
    std::string_view("XDSRegistryDeprecatedDocumentError"),
};

Category categoryOf(const RegistryError& e, const std::vector<std::string>& ownUniqueIds) {
  const auto in = [&](const auto& codes) {
    return std::find(codes.begin(), codes.end(), e.errorCode) != codes.end();
  };
  if (in(kTransientCodes)) return Category::kTransient;
  if (in(kPermanentCodes)) return Category::kPermanent;
  if (e.errorCode == "XDSDuplicateUniqueIdInRegistry") {
    const bool ours = std::any_of(ownUniqueIds.begin(), ownUniqueIds.end(), [&](const auto& id) {
      return namesId(e.codeContext, id) || namesId(e.location, id);
    });
    return ours ? Category::kOurDuplicate : Category::kPermanent;
  }
  // XDSRegistryError / XDSRepositoryError ("internal error") and every other code: no hint
  // whether a retry helps.
  return Category::kUnknown;
}

std::string codeList(const std::vector<const RegistryError*>& errors) {
  std::string out;
  for (const RegistryError* e : errors) {
    if (!out.empty()) out += ",";
    out += safeCode(e->errorCode);
  }
  return out;
}

}  // namespace

common::Result<Iti41Response> parseIti41Response(std::string_view contentType,
                                                 std::string_view body) {
  if (body.size() > kMaxIti41ResponseBytes) return invalid("larger than 4 MiB");
  FHIRGW_ASSIGN_OR_RETURN(std::string_view xml, envelopeBytes(contentType, body));
  const ParsedXml doc = detail::parseUntrusted(xml, kMaxIti41ResponseBytes);
  if (doc == nullptr) return invalid("not well-formed XML without a DTD");
  const xmlNode* envelope = xmlDocGetRootElement(doc.get());
  if (!isElement(envelope, kSoapNamespace, "Envelope")) {
    return invalid("the root element is not a SOAP 1.2 Envelope");
  }
  Iti41Response out;
  if (const xmlNode* header = childElement(envelope, kSoapNamespace, "Header")) {
    if (const xmlNode* action = childElement(header, kWsaNamespace, "Action")) {
      out.action = std::string(trimAll(textContent(action)));
    }
    if (const xmlNode* relatesTo = childElement(header, kWsaNamespace, "RelatesTo")) {
      out.relatesTo = std::string(trimAll(textContent(relatesTo)));
    }
  }
  const xmlNode* soapBody = childElement(envelope, kSoapNamespace, "Body");
  const xmlNode* content = detail::firstChildElement(soapBody);
  if (isElement(content, kSoapNamespace, "Fault")) {
    FHIRGW_ASSIGN_OR_RETURN(SoapFault fault, readFault(doc.get(), content));
    out.fault = std::move(fault);
    return out;
  }
  if (!isElement(content, kRsNamespace, "RegistryResponse")) {
    return invalid("the SOAP Body holds neither a RegistryResponse nor a Fault");
  }
  FHIRGW_RETURN_IF_ERROR(readRegistryResponse(content, out));
  return out;
}

std::string_view iti41OutcomeName(Iti41Outcome outcome) {
  switch (outcome) {
    case Iti41Outcome::kDelivered:
      return "delivered";
    case Iti41Outcome::kDeliveredWithWarnings:
      return "delivered-with-warnings";
    case Iti41Outcome::kAlreadyRegistered:
      return "already-registered";
    case Iti41Outcome::kTransient:
      return "transient";
    case Iti41Outcome::kPermanent:
      return "permanent";
    case Iti41Outcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::vector<std::string> submittedUniqueIds(const Metadata& metadata) {
  std::vector<std::string> ids;
  if (!metadata.submissionSet.uniqueId.empty()) ids.push_back(metadata.submissionSet.uniqueId);
  for (const DocumentEntry& d : metadata.documents) {
    if (!d.uniqueId.empty()) ids.push_back(d.uniqueId);
  }
  return ids;
}

Iti41Classification classifyIti41Response(const Iti41Response& response,
                                          const std::vector<std::string>& ownUniqueIds) {
  if (response.fault) {
    const SoapFault& f = *response.fault;
    std::string reason = "SOAP fault " + safeCode(f.code);
    if (!f.subcodes.empty()) reason += "/" + safeCode(f.subcodes.front());
    if (f.code == "Receiver") return {Iti41Outcome::kTransient, reason};
    if (f.code == "Sender" || f.code == "MustUnderstand" || f.code == "VersionMismatch" ||
        f.code == "DataEncodingUnknown") {
      return {Iti41Outcome::kPermanent, reason};
    }
    return {Iti41Outcome::kUnknown, reason};
  }
  std::vector<const RegistryError*> all;
  for (const RegistryError& e : response.errors) all.push_back(&e);
  switch (response.status) {
    case RegistryStatus::kSuccess:
      if (all.empty()) return {Iti41Outcome::kDelivered, "Success"};
      return {Iti41Outcome::kDeliveredWithWarnings, "Success: " + codeList(all)};
    case RegistryStatus::kPartialSuccess:
      return {Iti41Outcome::kDeliveredWithWarnings, "PartialSuccess: " + codeList(all)};
    case RegistryStatus::kFailure:
      break;
  }
  std::vector<const RegistryError*> errors;
  for (const RegistryError* e : all) {
    if (e->severity == ErrorSeverity::kError) errors.push_back(e);
  }
  if (errors.empty()) {
    return {Iti41Outcome::kUnknown, all.empty() ? "Failure without RegistryError"
                                                : "Failure with warnings only: " + codeList(all)};
  }
  bool permanent = false;
  bool unknown = false;
  bool transient = false;
  for (const RegistryError* e : errors) {
    switch (categoryOf(*e, ownUniqueIds)) {
      case Category::kPermanent:
        permanent = true;
        break;
      case Category::kUnknown:
        unknown = true;
        break;
      case Category::kTransient:
        transient = true;
        break;
      case Category::kOurDuplicate:
        break;
    }
  }
  const std::string reason = "Failure: " + codeList(errors);
  if (permanent) return {Iti41Outcome::kPermanent, reason};
  if (unknown) return {Iti41Outcome::kUnknown, reason};
  if (transient) return {Iti41Outcome::kTransient, reason};
  return {Iti41Outcome::kAlreadyRegistered, reason};
}

}  // namespace fhirgw::xds
