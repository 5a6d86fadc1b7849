#pragma once

// The XAdES signature of a submission set travels to the DMP as one more document of the same
// submission (dmp-xds.md §1.8, IHE DSG): a DocumentEntry describing it, a HasMember association
// from the submission set and a `signs` association from the signature to the submission set.

#include <string>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds {

/// The signature document's uniqueId for a delivery: `<root>.<decimal of
/// deterministicUuid("xds-signature", deliveryId)>`, so a retry signs under the same id.
/// kInvalidArgument for an empty delivery id or a root that is not an OID.
common::Result<std::string> signatureUniqueId(std::string_view uniqueIdRoot,
                                              std::string_view deliveryId);

/// Appends the signature document to a submission built by buildSubmission: the DocumentEntry
/// of dmp-xds.md §1.8 (DRIMbox's values: classCode "Digital Signature", typeCode E1762,
/// formatCode xmldsig#, eventCode "Source", languageCode `art`, mimeType `text/xml`,
/// confidentiality N + MASQUE_PS + INVISIBLE_PATIENT, legalAuthenticator and author the
/// submission set's author, creation and service times `now`, patient, facility and practice
/// setting of the first document, hash and size over `signatureBytes`), the HasMember
/// submission set -> signature and the signs signature -> submission set associations, and the
/// bytes last in `submission.documents`. Ids are derived from `signatureUniqueId`.
/// kInvalidArgument when the submission has no document, already has a signature, or the bytes
/// or uniqueId are empty.
common::Status addSignatureDocument(Submission& submission, std::string signatureBytes,
                                    std::string signatureUniqueId, common::TimePoint now);

}  // namespace fhirgw::xds
