#pragma once

#include <filesystem>

namespace fhirgw::testsupport {

/// The test PKI of tests/tools/make-test-pki.sh, made once per process and removed at its end:
/// ca.pem, server.pem/key, client.pem/key, rogue-client.pem/key (signed by another CA).
std::filesystem::path testPkiDir();

}  // namespace fhirgw::testsupport
