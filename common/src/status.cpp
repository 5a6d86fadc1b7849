#include "fhirgw/common/status.hpp"

namespace fhirgw::common {

std::string_view statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid-argument";
    case StatusCode::kNotFound:
      return "not-found";
    case StatusCode::kAlreadyExists:
      return "already-exists";
    case StatusCode::kAborted:
      return "aborted";
    case StatusCode::kFailedPrecondition:
      return "failed-precondition";
    case StatusCode::kPermissionDenied:
      return "permission-denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kResourceExhausted:
      return "resource-exhausted";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDeadlineExceeded:
      return "deadline-exceeded";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kDataLoss:
      return "data-loss";
  }
  return "unknown";
}

bool isRetryable(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
         code == StatusCode::kResourceExhausted;
}

std::string Status::toString() const {
  std::string out(statusCodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status invalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
Status notFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
Status alreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
Status aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
Status failedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
Status permissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
Status unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
Status resourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
Status deadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace fhirgw::common
