#include "fhirgw/xds/xdm_package.hpp"

#include <Poco/DateTime.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>

#include <cstdio>
#include <sstream>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"

namespace fhirgw::xds {
namespace {

constexpr const char* kSubset = "IHE_XDM/SUBSET01/";
constexpr std::size_t kMaxDocuments = 9999;

/// The 8.3 extension of a MIME type.
std::string extensionOf(std::string_view mimeType) {
  if (mimeType == "application/pdf") return "PDF";
  if (mimeType == "text/plain") return "TXT";
  if (mimeType == "text/xml" || mimeType == "application/xml") return "XML";
  if (mimeType == "text/html") return "HTM";
  return "BIN";
}

/// The zip entries' time: the submission time ("YYYYMMDDhhmmss", UTC), else 1980-01-01 (the
/// first time a zip can hold). Fixed by the input, so the same input gives the same zip.
Poco::DateTime entryTime(const std::string& submissionTime) {
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (submissionTime.size() == 14 &&
      std::sscanf(submissionTime.c_str(), "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &s) == 6 &&
      y >= 1980 && Poco::DateTime::isValid(y, mo, d, h, mi, s)) {
    return {y, mo, d, h, mi, s};
  }
  return {1980, 1, 1};
}

std::string escapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string readme(const XdmCreator& creator) {
  std::string text =
      "IHE XDM package (IHE ITI-32, Distribute Document Set on Media)\r\n"
      "\r\n"
      "Created by: " +
      creator.product + (creator.version.empty() ? "" : " " + creator.version) + "\r\n";
  if (!creator.contact.empty()) text += "Contact: " + creator.contact + "\r\n";
  text +=
      "\r\n"
      "Contents:\r\n"
      "  INDEX.HTM                      the list of the documents\r\n"
      "  IHE_XDM/SUBSET01/METADATA.XML  the XDS metadata (ebRIM 3.0 SubmitObjectsRequest)\r\n"
      "  IHE_XDM/SUBSET01/DOC*.*        the documents\r\n";
  return text;
}

std::string index(const Metadata& metadata) {
  std::string html =
      "<!DOCTYPE html>\r\n<html lang=\"fr\">\r\n<head><meta charset=\"UTF-8\">"
      "<title>IHE XDM</title></head>\r\n<body>\r\n<h1>Documents</h1>\r\n<ul>\r\n";
  for (const DocumentEntry& d : metadata.documents) {
    html += "<li><a href=\"" + std::string(kSubset) + d.uri + "\">" +
            escapeHtml(d.title.empty() ? d.uri : d.title) + "</a> (" + escapeHtml(d.mimeType) +
            ")</li>\r\n";
  }
  html += "</ul>\r\n<p><a href=\"" + std::string(kSubset) +
          "METADATA.XML\">METADATA.XML</a></p>\r\n</body>\r\n</html>\r\n";
  return html;
}

}  // namespace

std::string xdmDocumentFileName(std::size_t number, std::string_view mimeType) {
  char name[16];
  std::snprintf(name, sizeof name, "DOC%04zu.", number % 10000);
  return name + extensionOf(mimeType);
}

common::Result<std::string> writeXdmZip(Metadata metadata,
                                        const std::vector<std::string>& documents,
                                        const XdmCreator& creator) {
  if (documents.size() != metadata.documents.size()) {
    return common::invalidArgument("xds: " + std::to_string(documents.size()) + " documents for " +
                                   std::to_string(metadata.documents.size()) + " document entries");
  }
  if (documents.empty() || documents.size() > kMaxDocuments) {
    return common::invalidArgument("xds: an XDM package holds 1 to 9999 documents");
  }
  // What the metadata says about each file is computed over the bytes written.
  for (std::size_t i = 0; i < documents.size(); ++i) {
    DocumentEntry& d = metadata.documents[i];
    d.uri = xdmDocumentFileName(i + 1, d.mimeType);
    d.hash = common::hexEncode(common::sha1(documents[i]));
    d.size = documents[i].size();
  }
  FHIRGW_ASSIGN_OR_RETURN(std::string metadataXml,
                          writeSubmitObjectsRequest(metadata, Flavor::kXdm));

  try {
    std::ostringstream out;
    Poco::Zip::Compress zip(out, true);
    const Poco::DateTime time = entryTime(metadata.submissionSet.submissionTime);
    auto add = [&](const std::string& name, const std::string& bytes) {
      std::istringstream in(bytes);
      zip.addFile(in, time, Poco::Path(name, Poco::Path::PATH_UNIX),
                  Poco::Zip::ZipCommon::CM_DEFLATE, Poco::Zip::ZipCommon::CL_MAXIMUM);
    };
    add("README.TXT", readme(creator));
    add("INDEX.HTM", index(metadata));
    add(std::string(kSubset) + "METADATA.XML", metadataXml);
    for (std::size_t i = 0; i < documents.size(); ++i) {
      add(kSubset + metadata.documents[i].uri, documents[i]);
    }
    zip.close();
    return out.str();
  } catch (const Poco::Exception& e) {
    return common::internal("xds: the XDM zip could not be written: " + e.displayText());
  } catch (const std::exception& e) {
    return common::internal(std::string("xds: the XDM zip could not be written: ") + e.what());
  }
}

}  // namespace fhirgw::xds
