#pragma once

// Header-only, for tests that link fhirgw::store: a store in a test folder with its editor
// clients, as the store and connectors tests start theirs.

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"

namespace fhirgw::testsupport {

/// The store in dataDir on `clock`, with an editor client of each id (named as its id); a test
/// failure and nullptr when it cannot be opened or a client cannot be created.
inline std::unique_ptr<store::Store> openTestStore(
    const std::filesystem::path& dataDir, const common::Clock& clock,
    std::initializer_list<const char*> editorClients = {"c-1"}) {
  store::StoreOptions options;
  options.dataDir = dataDir.string();
  auto opened = store::openStore(options, clock);
  if (!opened.hasValue()) {
    ADD_FAILURE() << opened.status().toString();
    return nullptr;
  }
  std::unique_ptr<store::Store> db = std::move(*opened);
  for (const char* id : editorClients) {
    const common::Status created =
        db->createClient({id, id, store::ClientRole::kEditor, {}}, newStoredKey());
    if (!created.isOk()) {
      ADD_FAILURE() << "client " << id << ": " << created.toString();
      return nullptr;
    }
  }
  return db;
}

}  // namespace fhirgw::testsupport
