#pragma once

#include <string>

namespace fhirgw::common {

/// True when `path` names a regular file this process may read (configured certificates, keys
/// and CA files are checked with it at start-up, so a typo fails there and not at first use).
bool isReadableFile(const std::string& path);

}  // namespace fhirgw::common
