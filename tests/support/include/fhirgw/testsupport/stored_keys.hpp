#pragma once

// Header-only, for tests that link fhirgw::store: the stored half of an API key, to create a
// client in a store without the gateway's key policy (gateway/api_keys.hpp).

#include <string>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/client.hpp"

namespace fhirgw::testsupport {

/// A fresh key row (random id, hash of a fixed secret) for ClientStore::createClient/addApiKey.
inline store::NewApiKey newStoredKey() {
  return {"ktest" + common::hexEncode(common::randomBytes(8)), common::hashSecret("test-secret")};
}

}  // namespace fhirgw::testsupport
