#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fhirgw::domain {

// Paths of fields in the editor's body, as OperationOutcome.issue.expression shows them:
// "encounter.consent.at", "documents[1].items[0].medication"; the parser and the rules report
// under the same paths.

/// The path of member `key` under `base` (an empty base is the body root).
inline std::string joinPath(std::string_view base, std::string_view key) {
  std::string out(base);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

/// The path of item `i` of the array at `base`.
inline std::string indexPath(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

}  // namespace fhirgw::domain
