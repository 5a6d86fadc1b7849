#include "fhirgw/common/status.hpp"

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::common {
namespace {

constexpr CodeTable<StatusCode, 14> kStatusCodeNames{{{
    {StatusCode::kOk, "ok"},
    {StatusCode::kInvalidArgument, "invalid-argument"},
    {StatusCode::kNotFound, "not-found"},
    {StatusCode::kAlreadyExists, "already-exists"},
    {StatusCode::kAborted, "aborted"},
    {StatusCode::kFailedPrecondition, "failed-precondition"},
    {StatusCode::kPermissionDenied, "permission-denied"},
    {StatusCode::kUnauthenticated, "unauthenticated"},
    {StatusCode::kResourceExhausted, "resource-exhausted"},
    {StatusCode::kUnavailable, "unavailable"},
    {StatusCode::kDeadlineExceeded, "deadline-exceeded"},
    {StatusCode::kUnimplemented, "unimplemented"},
    {StatusCode::kInternal, "internal"},
    {StatusCode::kDataLoss, "data-loss"},
}}};

}  // namespace

std::string_view statusCodeName(StatusCode code) { return kStatusCodeNames.code(code); }

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
