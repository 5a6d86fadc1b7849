#include "fhirgw/testsupport/test_pki.hpp"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::testsupport {

namespace fs = std::filesystem;

fs::path testPkiDir() {
  // The keys are throw-away but need not linger: the folder goes at exit.
  static const TempDir dir("fhirgw-test-pki");
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string script = sourcePath("tests/tools/make-test-pki.sh").string();
    const std::string cmd = "bash '" + script + "' '" + dir.str() + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create the test PKI");
  });
  return dir.path();
}

}  // namespace fhirgw::testsupport
