#include "fhirgw/testsupport/source_tree.hpp"

#include <gtest/gtest.h>

#include "fhirgw/testsupport/files.hpp"

namespace fhirgw::testsupport {

const std::filesystem::path& sourceDir() {
  static const std::filesystem::path dir(FHIRGW_SOURCE_DIR);
  return dir;
}

std::filesystem::path sourcePath(std::string_view relative) { return sourceDir() / relative; }

std::string readSourceFile(std::string_view relative) {
  std::string content = readFile(sourcePath(relative));
  if (content.empty()) ADD_FAILURE() << relative << " is missing or empty";
  return content;
}

std::string readExample(std::string_view name) {
  return readSourceFile("examples/" + std::string(name));
}

}  // namespace fhirgw::testsupport
