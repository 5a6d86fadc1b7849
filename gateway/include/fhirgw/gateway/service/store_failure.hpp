#pragma once

#include <string_view>

#include "fhirgw/common/status.hpp"

namespace fhirgw::gateway {

/// Whether a failed store call was a read or a write (a write says that nothing was stored).
enum class StoreAccess { kRead, kWrite };

/// The Status to answer for a store error, so that every store error reaches the client through
/// the one status table (httpStatusFor) with a message written once here. kNotFound names what
/// is missing ("no such <what>"); kAlreadyExists, kAborted and kFailedPrecondition keep their
/// code; a busy or unreachable store is kUnavailable ("the store cannot …; retry"); anything
/// else is the store's own failure (kInternal). The store's text is never passed on: it may
/// quote SQL.
common::Status storeFailure(const common::Status& error, std::string_view what,
                            StoreAccess access = StoreAccess::kRead);

}  // namespace fhirgw::gateway
