#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata.hpp"

namespace fhirgw::xds {

/// Who made the package, for README.TXT (IHE ITI TF-1 XDM: the media creator and the
/// application that wrote it).
struct XdmCreator {
  std::string product = "fhir-gateway";
  std::string version;  ///< the gateway's version; optional
  std::string contact;  ///< the operating organisation; optional
};

/// The 8.3 file name of the number-th document (from 1) of an XDM package: "DOC0001.PDF", with
/// PDF, TXT, XML, HTM or BIN by MIME type; the name the package and its URI slot use, which a
/// message attaching the document beside the zip can reuse.
std::string xdmDocumentFileName(std::size_t number, std::string_view mimeType);

/// The bytes of IHE_XDM.ZIP (IHE XDM, ITI-32) for one submission: `README.TXT`, `INDEX.HTM`,
/// `IHE_XDM/SUBSET01/METADATA.XML` (the XDM flavor of writeSubmitObjectsRequest) and the
/// documents as `IHE_XDM/SUBSET01/DOC0001.PDF` (`.TXT`, `.XML`, `.HTM`, `.BIN` by MIME type;
/// 8.3 upper-case names), documents[i] being the bytes of metadata.documents[i]; the folders
/// `IHE_XDM/` and `IHE_XDM/SUBSET01/` have their own entries. Each entry's URI,
/// hash and size are set from the bytes written; entry times are the submission time, so the
/// same input gives the same bytes. kInvalidArgument when the counts differ, there is no
/// document or more than 9999, or the metadata cannot be written (writeSubmitObjectsRequest);
/// kInternal when the zip library fails.
common::Result<std::string> writeXdmZip(Metadata metadata,
                                        const std::vector<std::string>& documents,
                                        const XdmCreator& creator = {});

}  // namespace fhirgw::xds
