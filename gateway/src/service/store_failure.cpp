#include "fhirgw/gateway/service/store_failure.hpp"

#include <string>

namespace fhirgw::gateway {

common::Status storeFailure(const common::Status& error, std::string_view what,
                            StoreAccess access) {
  using common::StatusCode;
  const bool write = access == StoreAccess::kWrite;
  switch (error.code()) {
    case StatusCode::kNotFound:
      return common::notFound("no such " + std::string(what));
    case StatusCode::kAlreadyExists:
      return common::alreadyExists("the " + std::string(what) + " already exists");
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition:
      return common::Status(error.code(),
                            "the " + std::string(what) + " is not in a state that allows this");
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      return common::unavailable(write ? "the store cannot take the write now; nothing was "
                                         "stored; retry"
                                       : "the store cannot answer now; retry");
    default:
      return common::internal(write ? "the store failed to take the write; nothing was stored"
                                    : "the store failed to answer");
  }
}

}  // namespace fhirgw::gateway
