#pragma once

#include <chrono>
#include <string>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/metadata_builder.hpp"
#include "fhirgw/xds/signature_entry.hpp"
#include "sample_metadata.hpp"

namespace fhirgw::xds::testing {

/// sampleMetadata() with its document's bytes (hash and size computed over them).
inline Submission sampleSubmission() {
  Submission s;
  s.metadata = sampleMetadata();
  s.documents.emplace_back("%PDF-1.4\n% sample\n\x01\x02\xff binary\r\n--not a boundary\n%%EOF\n");
  s.metadata.documents[0].hash = common::hexEncode(common::sha1(s.documents[0]));
  s.metadata.documents[0].size = s.documents[0].size();
  s.patientIdIsIns = true;
  return s;
}

/// 2026-11-20T09:00:00Z, the time a sample signature is made.
inline common::TimePoint sampleSigningTime() {
  return common::TimePoint(std::chrono::seconds(1795165200));
}

/// A stand-in for the XAdES document (its content does not matter to the metadata).
inline const std::string& sampleSignatureBytes() {
  static const std::string bytes =
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"sig\">"
      "<ds:SignedInfo/></ds:Signature>\n";
  return bytes;
}

/// sampleSubmission() with a signature document added.
inline Submission sampleSignedSubmission() {
  Submission s = sampleSubmission();
  const common::Status added = addSignatureDocument(
      s, sampleSignatureBytes(), "2.25.111122223333444455556666777788889999", sampleSigningTime());
  if (!added.isOk()) s.documents.clear();  // makes the test that uses it fail visibly
  return s;
}

}  // namespace fhirgw::xds::testing
