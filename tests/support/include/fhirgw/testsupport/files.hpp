#pragma once

// Temporary folders and whole-file reads and writes. Free of gtest (library fhirgw_test_files), so
// the benchmarks and fuzz targets use them too.

#include <filesystem>
#include <string>
#include <string_view>

namespace fhirgw::testsupport {

/// A fresh, empty folder under the system's temporary directory ($TMPDIR), removed at
/// destruction unless kept.
class TempDir {
 public:
  /// Named <prefix>-XXXXXX; throws std::runtime_error when it cannot be created.
  explicit TempDir(std::string_view prefix = "fhirgw-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The folder.
  const std::filesystem::path& path() const { return path_; }
  /// The folder as text.
  std::string str() const { return path_.string(); }
  /// Writes a file in the folder and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;
  /// Leaves the folder in place at destruction, to be looked at afterwards.
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

/// The whole content of a file, bytes as they are; "" when it cannot be read (the assertion on
/// the content then fails and names what was expected).
std::string readFile(const std::filesystem::path& path);

/// Writes text to a file, replacing it; false when it cannot.
bool writeFile(const std::filesystem::path& path, std::string_view text);

}  // namespace fhirgw::testsupport
