#pragma once

#include <string_view>

#include "fhirgw/common/status.hpp"

namespace fhirgw::gateway {

/// The one table from Status codes to HTTP status codes.
int httpStatusFor(common::StatusCode code);

/// The FHIR IssueType code that describes a process failure of that Status code.
std::string_view issueTypeFor(common::StatusCode code);

}  // namespace fhirgw::gateway
