#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fhirgw::testsupport {

/// The project's source folder, fixed when the tests are built, so test data and examples are
/// found whatever the working directory.
const std::filesystem::path& sourceDir();

/// A path under the source folder ("examples/teleconsultation-full.json").
std::filesystem::path sourcePath(std::string_view relative);

/// The content of a file under the source folder; a test failure naming the file (and "") when
/// it is missing or empty.
std::string readSourceFile(std::string_view relative);

/// The content of an example body, examples/<name>, as readSourceFile.
std::string readExample(std::string_view name);

/// examples/teleconsultation-full.json as a new record: every LGC-2026-000123 (the record's
/// externalId and the prefix of its documents') replaced by externalId.
std::string fullExampleAs(std::string_view externalId);

}  // namespace fhirgw::testsupport
