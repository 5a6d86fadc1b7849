// PostgresStore: the roles not yet on PostgreSQL (the record purges of
// retention). Each answers kUnimplemented, so openStore does not select this store yet
// (docs/storage.md, "PostgreSQL"). A method added to a Store role before the PostgreSQL store
// implements it gets its kUnimplemented stub here.

#include <string>
#include <vector>

#include "postgresql/store_impl.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;

namespace {

Status pending(std::string_view operation) {
  return common::unimplemented(std::string(operation) + ": not yet on the PostgreSQL store");
}

}  // namespace

common::Result<std::int64_t> PostgresStore::purgeRecordContent(common::TimePoint /*cutoff*/,
                                                               std::size_t /*limit*/) {
  return pending("purgeRecordContent");
}

common::Result<std::int64_t> PostgresStore::deleteRecords(common::TimePoint /*cutoff*/,
                                                          std::size_t /*limit*/) {
  return pending("deleteRecords");
}

}  // namespace fhirgw::store
