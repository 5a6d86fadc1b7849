#pragma once

// The ITI-41 Provide and Register Document Set-b request as the DMP takes it (dmp-xds.md §1.1 to
// §1.4): a SOAP 1.2 envelope with WS-Addressing and the VIHF assertion in wsse:Security, whose
// body holds the ebRIM metadata and one xop:Include per document, sent as an MTOM/XOP
// multipart/related message with each document in its own part.

#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds {

/// The WS-Addressing action of an ITI-41 request and of its response.
inline constexpr std::string_view kIti41Action = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b";
inline constexpr std::string_view kIti41ResponseAction =
    "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse";

/// What goes around the submission: the SOAP header values and the MIME seed.
struct Iti41Envelope {
  /// The signed VIHF `saml2:Assertion` element serialised alone (an XML declaration before it is
  /// dropped). Its bytes are spliced unchanged into wsse:Security, never re-serialised, so its
  /// signature still verifies; no ancestor declares a default namespace.
  std::string_view assertion;
  std::string to;         ///< wsa:To, the repository's URL (`<base>/repository`)
  std::string messageId;  ///< wsa:MessageID, `urn:uuid:<uuid>` (the caller's, e.g. per attempt)
  /// Seeds the MIME boundary and the Content-IDs: 1 to 48 characters of [A-Za-z0-9-] (a UUID).
  std::string boundarySeed;
};

/// An HTTP POST body and the Content-Type header that goes with it.
struct Iti41Request {
  /// `multipart/related; boundary="…"; type="application/xop+xml"; start="<root.…>";
  /// start-info="application/soap+xml"; action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"`
  std::string contentType;
  std::string body;  ///< the MTOM/XOP message, CRLF line ends in the MIME structure
};

/// The ITI-41 request of a submission (its metadata and the bytes of each document, the
/// signature included): the root part (`application/xop+xml`, the SOAP 1.2 envelope with
/// wsa:MessageID, wsa:To, wsa:Action `soap:mustUnderstand="true"`, wsse:Security holding the
/// assertion, then xdsb:ProvideAndRegisterDocumentSetRequest with the lcm:SubmitObjectsRequest
/// of writeSubmitObjectsRequest(Flavor::kIti41) and one xdsb:Document per document whose
/// xop:Include names its part), then one part per document (Content-Type its mimeType,
/// Content-Transfer-Encoding binary, Content-ID `<docN.<seed>@fhir-gateway>`) holding exactly the
/// bytes hashed. The boundary (`MIMEBoundary_<seed>`, with a `_N` suffix when a part contains
/// it) occurs in no part. The same input gives the same bytes.
/// kInvalidArgument when the documents and their entries do not match one to one, a document's
/// hash or size is missing or not those of its bytes, a mimeType is not `type/subtype`, the
/// assertion is not one well-formed SAML 2.0 Assertion element (or has a DOCTYPE), the message id
/// is not a urn:uuid, `to` is empty, the seed is not as above, or what the metadata writer refuses.
common::Result<Iti41Request> writeIti41Request(const Submission& submission,
                                               const Iti41Envelope& envelope);

}  // namespace fhirgw::xds
