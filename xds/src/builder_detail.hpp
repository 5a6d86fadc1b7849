#pragma once

#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/cda_builder.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds::detail {

/// A time point as XDS writes it: UTC "YYYYMMDDhhmmss".
std::string xdsUtcTime(common::TimePoint t);

/// buildSubmission of the documents as delivered (no CDA wrapping): what the CDA builder reads
/// its header values from.
common::Result<Submission> buildDeliveredSubmission(const SubmissionInput& input);

/// buildClinicalDocuments over what buildDeliveredSubmission gave for the same input.
common::Result<std::vector<ClinicalDocument>> clinicalDocumentsOf(const SubmissionInput& input,
                                                                  const Submission& delivered);

}  // namespace fhirgw::xds::detail
