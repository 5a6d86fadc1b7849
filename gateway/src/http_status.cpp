#include "fhirgw/gateway/http_status.hpp"

namespace fhirgw::gateway {

using common::StatusCode;

int httpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 422;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kDataLoss:
      return 500;
  }
  return 500;
}

std::string_view issueTypeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "informational";
    case StatusCode::kInvalidArgument:
      return "invalid";
    case StatusCode::kUnauthenticated:
      return "login";
    case StatusCode::kPermissionDenied:
      return "forbidden";
    case StatusCode::kNotFound:
      return "not-found";
    case StatusCode::kAlreadyExists:
      return "duplicate";
    case StatusCode::kAborted:
      return "conflict";
    case StatusCode::kFailedPrecondition:
      return "business-rule";
    case StatusCode::kResourceExhausted:
      return "throttled";
    case StatusCode::kUnimplemented:
      return "not-supported";
    case StatusCode::kUnavailable:
      return "transient";
    case StatusCode::kDeadlineExceeded:
      return "timeout";
    case StatusCode::kInternal:
      return "exception";
    case StatusCode::kDataLoss:
      return "exception";
  }
  return "exception";
}

}  // namespace fhirgw::gateway
