#pragma once

#include <string_view>

#include "fhirgw/common/status.hpp"

namespace fhirgw::store::detail {

/// Turns the exception being handled (call only inside a catch block) into a Status, so that no
/// exception crosses the Store interface. Busy or locked => kUnavailable, unique or primary key
/// clash => kAlreadyExists, foreign key => kFailedPrecondition, other constraint =>
/// kInvalidArgument, disk full => kResourceExhausted, corruption => kDataLoss, misuse => kInternal.
common::Status statusFromCurrentException(std::string_view operation);

}  // namespace fhirgw::store::detail
