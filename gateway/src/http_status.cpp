#include "fhirgw/gateway/http_status.hpp"

#include <array>

namespace fhirgw::gateway {
namespace {

using common::StatusCode;

/// How the gateway answers a failure of one Status code. One row per code keeps the HTTP status
/// and the issue type together (they were two switches); a CodeTable maps to text only.
struct Answer {
  StatusCode code;
  int httpStatus;
  std::string_view issueType;  ///< FHIR IssueType
};

constexpr std::array<Answer, 14> kAnswers = {{
    {StatusCode::kOk, 200, "informational"},
    {StatusCode::kInvalidArgument, 400, "invalid"},
    {StatusCode::kUnauthenticated, 401, "login"},
    {StatusCode::kPermissionDenied, 403, "forbidden"},
    {StatusCode::kNotFound, 404, "not-found"},
    {StatusCode::kAlreadyExists, 409, "duplicate"},
    {StatusCode::kAborted, 409, "conflict"},
    {StatusCode::kFailedPrecondition, 422, "business-rule"},
    {StatusCode::kResourceExhausted, 429, "throttled"},
    {StatusCode::kUnimplemented, 501, "not-supported"},
    {StatusCode::kUnavailable, 503, "transient"},
    {StatusCode::kDeadlineExceeded, 504, "timeout"},
    {StatusCode::kInternal, 500, "exception"},
    {StatusCode::kDataLoss, 500, "exception"},
}};

const Answer& answerFor(StatusCode code) {
  for (const Answer& a : kAnswers) {
    if (a.code == code) return a;
  }
  static constexpr Answer kUnlisted{StatusCode::kInternal, 500, "exception"};
  return kUnlisted;
}

}  // namespace

int httpStatusFor(StatusCode code) { return answerFor(code).httpStatus; }

std::string_view issueTypeFor(StatusCode code) { return answerFor(code).issueType; }

}  // namespace fhirgw::gateway
