#pragma once

#include <filesystem>
#include <string_view>

namespace fhirgw::testsupport {

/// The project's source folder, fixed when the tests are built, so test data and examples are
/// found whatever the working directory.
const std::filesystem::path& sourceDir();

/// A path under the source folder ("examples/teleconsultation-full.json").
std::filesystem::path sourcePath(std::string_view relative);

}  // namespace fhirgw::testsupport
