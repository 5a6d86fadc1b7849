#include "fhirgw/testsupport/test_pki.hpp"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::testsupport {

namespace fs = std::filesystem;

fs::path testPkiDir() {
  static std::once_flag once;
  static fs::path dir;
  std::call_once(once, [] {
    dir = fs::temp_directory_path() / ("fhirgw-test-pki-" + std::to_string(::getpid()));
    const std::string script = sourcePath("tests/tools/make-test-pki.sh").string();
    const std::string cmd = "bash '" + script + "' '" + dir.string() + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create the test PKI");
    // The keys are throw-away but need not linger.
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(dir, ec);
    });
  });
  return dir;
}

}  // namespace fhirgw::testsupport
