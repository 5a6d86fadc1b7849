#pragma once

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds::detail {

/// buildSubmission of the documents as delivered (no CDA wrapping): what the CDA builder reads
/// its header values from.
common::Result<Submission> buildDeliveredSubmission(const SubmissionInput& input);

}  // namespace fhirgw::xds::detail
