#pragma once

// CDA R2 level 1 ("N1": a structured header, a non-XML body) documents as the ANS CI-SIS and the
// DMP want them (../shared/spec/dmp-xds.md §2): the teleconsultation report as the TLM-CR model,
// the prescription copy and the sick-leave copy, each wrapping the delivered PDF or text.

#include <string>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds {

/// One ClinicalDocument and the XDS values that come from its header.
struct ClinicalDocument {
  CdaKind kind = CdaKind::kTeleconsultationReport;
  std::string bytes;             ///< the document as sent: UTF-8, fixed serialisation
  std::string uniqueId;          ///< id/@root (the XDS uniqueId)
  std::string setId;             ///< setId/@root
  Code code;                     ///< the CDA code: the XDS typeCode
  std::string title;             ///< the CDA title: the XDS title
  Code classCode;                ///< the XDS classCode of the kind (TRE_A03 10 or 42)
  Code formatCode;               ///< urn:ihe:iti:xds-sd:pdf:2008 or urn:ihe:iti:xds-sd:text:2008
  std::vector<Code> eventCodes;  ///< the serviceEvent code (NGAP), when there is one
};

/// The CDA R2 N1 document of every DocumentReference among the input's resources, in their
/// order (docs/xds.md has the header mapping). Built with libxml2; the same input gives the same
/// bytes (ids derived from the document, times from the resources, no clock read).
/// kInvalidArgument as buildSubmission, and also for a Patient without a qualified INS, its
/// birth traits (birth name, birth date, gender, birthplace INSEE code), a document whose kind
/// is not one of CdaKind, a body that is neither PDF nor text, a teleconsultation report without
/// its NGAP act (a ChargeItem TCG, TC, TE1, TE2, TLD, TLL, TLM or TLS), no custodian organisation.
common::Result<std::vector<ClinicalDocument>> buildClinicalDocuments(const SubmissionInput& input);

}  // namespace fhirgw::xds
