#include "fhirgw/xds/signature_entry.hpp"

#include <algorithm>

#include "builder_detail.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/xds/unique_ids.hpp"

namespace fhirgw::xds {

common::Result<std::string> signatureUniqueId(std::string_view uniqueIdRoot,
                                              std::string_view deliveryId) {
  if (deliveryId.empty()) return common::invalidArgument("xds: deliveryId is missing");
  return oidFromUuid(uniqueIdRoot, common::deterministicUuid({"xds-signature", deliveryId}));
}

common::Status addSignatureDocument(Submission& submission, std::string signatureBytes,
                                    std::string signatureUniqueId, common::TimePoint now) {
  Metadata& m = submission.metadata;
  if (m.documents.empty()) {
    return common::invalidArgument("xds: a signature needs a document to sign");
  }
  if (signatureBytes.empty()) return common::invalidArgument("xds: the signature is empty");
  if (signatureUniqueId.empty()) {
    return common::invalidArgument("xds: the signature's uniqueId is missing");
  }
  if (std::any_of(m.associations.begin(), m.associations.end(),
                  [](const Association& a) { return a.type == AssociationType::kSigns; })) {
    return common::invalidArgument("xds: the submission is already signed");
  }
  const DocumentEntry& first = m.documents.front();
  const std::string time = detail::xdsUtcTime(now);

  DocumentEntry s;
  s.entryUuid = "urn:uuid:" + common::deterministicUuid({"xds-signature-entry", signatureUniqueId});
  s.uniqueId = std::move(signatureUniqueId);
  s.mimeType = "text/xml";
  s.hash = common::hexEncode(common::sha1(signatureBytes));
  s.size = signatureBytes.size();
  s.creationTime = time;
  s.languageCode = "art";
  s.title = "Source";
  s.author = m.submissionSet.author;
  s.classCode = {"urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN", "Digital Signature"};
  s.typeCode = {"E1762", "ASTM", "Full Document"};
  // Hidden from people: a signature is for machines (DRIMbox, dmp-xds.md §1.8).
  s.confidentialityCodes = {
      {"N", "2.16.840.1.113883.5.25", "Normal"},
      {"MASQUE_PS", "1.2.250.1.213.1.1.4.13", "Masqué aux professionnels de santé"},
      {"INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13", "Non visible par le patient"}};
  s.formatCode = {"http://www.w3.org/2000/09/xmldsig#", "URN", "Default Signature Style"};
  s.healthcareFacilityTypeCode = first.healthcareFacilityTypeCode;
  s.practiceSettingCode = first.practiceSettingCode;
  s.eventCodes = {{"1.2.840.10065.1.12.1.14", "1.2.840.10065.1.12", "Source"}};
  s.serviceStartTime = time;
  s.serviceStopTime = time;
  s.patientId = first.patientId;
  s.sourcePatientId = first.sourcePatientId;
  s.legalAuthenticator = m.submissionSet.author.person;

  const std::string submissionSet = m.submissionSet.entryUuid;
  m.associations.push_back({.entryUuid = "urn:uuid:" + common::deterministicUuid(
                                                           {"xds-signature-hasmember", s.uniqueId}),
                            .type = AssociationType::kHasMember,
                            .sourceObject = submissionSet,
                            .targetObject = s.entryUuid});
  m.associations.push_back(
      {.entryUuid = "urn:uuid:" + common::deterministicUuid({"xds-signature-signs", s.uniqueId}),
       .type = AssociationType::kSigns,
       .sourceObject = s.entryUuid,
       .targetObject = submissionSet});
  m.documents.push_back(std::move(s));
  submission.documents.push_back(std::move(signatureBytes));
  return common::Status::ok();
}

}  // namespace fhirgw::xds
