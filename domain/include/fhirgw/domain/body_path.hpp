#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fhirgw/common/field_reader.hpp"

namespace fhirgw::domain {

// Paths of fields in the editor's body, as OperationOutcome.issue.expression shows them:
// "encounter.consent.at", "documents[1].items[0].medication". The parser (through
// common::FieldReader) and the rules report under the same paths, so both are built by the
// reader's one pair of path functions.

/// The path of member `key` under `base` (an empty base is the body root).
inline std::string joinPath(std::string_view base, std::string_view key) {
  return common::joinKeyPath(base, key);
}

/// The path of item `i` of the array at `base`.
inline std::string indexPath(std::string_view base, std::size_t i) {
  return common::indexKeyPath(base, i);
}

}  // namespace fhirgw::domain
