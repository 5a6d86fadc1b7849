#pragma once

#include <cstddef>
#include <string>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata.hpp"

namespace fhirgw::xds {

/// Which wire form the metadata is written for (dmp-xds.md §5).
enum class Flavor {
  kIti41,  ///< the body of a Provide and Register (DMP): symbolic object ids, no URI slot
  kXdm,    ///< METADATA.XML of an XDM package: UUID object ids, URI, hash and size required,
           ///< intendedRecipient written
};

/// The namespaces of the ebXML Registry 3.0 documents written here.
inline constexpr const char* kLcmNamespace = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";
inline constexpr const char* kRimNamespace = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";

/// The metadata as an `lcm:SubmitObjectsRequest` document (UTF-8, with an XML declaration): the
/// rim:RegistryObjectList with the RegistryPackage and its submission-set Classification, one
/// ExtrinsicObject per document (slots, classifications, external identifiers in the ebRIM 3.0
/// child order) and the Associations. Built with libxml2, every value escaped by it.
/// kInvalidArgument naming the field when a required value is missing for the flavor, a value
/// is longer than the schema allows, or a text is not valid UTF-8 XML text.
common::Result<std::string> writeSubmitObjectsRequest(const Metadata& metadata, Flavor flavor);

/// The id writeSubmitObjectsRequest gives the DocumentEntry at `index` (0-based): "Document01",
/// "Document02"… in ITI-41 (what an xdsb:Document's id refers to), its entryUuid in XDM; empty
/// when there is no such document.
std::string documentObjectId(const Metadata& metadata, std::size_t index, Flavor flavor);

}  // namespace fhirgw::xds
