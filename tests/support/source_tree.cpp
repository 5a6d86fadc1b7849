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

std::string fullExampleAs(std::string_view externalId) {
  std::string body = readExample("teleconsultation-full.json");
  constexpr std::string_view kOriginal = "LGC-2026-000123";
  for (auto at = body.find(kOriginal); at != std::string::npos;
       at = body.find(kOriginal, at + externalId.size())) {
    body.replace(at, kOriginal.size(), externalId);
  }
  return body;
}

}  // namespace fhirgw::testsupport
