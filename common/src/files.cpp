#include "fhirgw/common/files.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace fhirgw::common {

bool isReadableFile(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::is_regular_file(path, ec) &&
         ::access(path.c_str(), R_OK) == 0;
}

}  // namespace fhirgw::common
