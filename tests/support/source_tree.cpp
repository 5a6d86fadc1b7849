#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::testsupport {

const std::filesystem::path& sourceDir() {
  static const std::filesystem::path dir(FHIRGW_SOURCE_DIR);
  return dir;
}

std::filesystem::path sourcePath(std::string_view relative) { return sourceDir() / relative; }

}  // namespace fhirgw::testsupport
