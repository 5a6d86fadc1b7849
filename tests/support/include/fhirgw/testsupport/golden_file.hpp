#pragma once

// What the golden-file tests share (API answers, FHIR mapping, rule outcomes): the cases are the
// folders of a data directory, the expected files are compared as canonical JSON, and
// FHIRGW_UPDATE_GOLDENS=1 rewrites them instead (then review the diff).

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/testsupport/json_text.hpp"

namespace fhirgw::testsupport {

/// True when FHIRGW_UPDATE_GOLDENS=1: golden tests write their expected files instead of
/// comparing.
bool updatingGoldens();

/// The folders under root that hold a file named marker, sorted by name: one case each.
std::vector<std::string> goldenCaseNames(const std::filesystem::path& root,
                                         std::string_view marker);

/// A case name usable as a test name (gtest allows letters, digits and '_'): '-' becomes
/// replacement, or is dropped when replacement is '\0'.
std::string goldenTestName(std::string caseName, char replacement = '\0');

/// How a golden test compares and writes one expected file.
struct GoldenFile {
  std::filesystem::path path{};
  /// Member order of the file written when updating: sorted, or as the test built the value.
  MemberOrder order = MemberOrder::kSorted;
  /// Applied to both the actual and the expected value before comparing (blanks values that may
  /// differ between runs); the file is written without it.
  std::function<void(JsonValue&)> normalise{};
};

/// Compares actual with the expected file as canonical JSON (member order and whitespace do not
/// matter, numbers are compared as written), or writes the file when updating. nullopt when they
/// match (or the file was written); otherwise why not: the file is missing, is not JSON, cannot
/// be written, or where the two first differ.
std::optional<std::string> goldenMismatch(const JsonValue& actual, const GoldenFile& golden);

/// As above with actual given as JSON text (it must parse).
std::optional<std::string> goldenMismatch(std::string_view actualText, const GoldenFile& golden);

}  // namespace fhirgw::testsupport
