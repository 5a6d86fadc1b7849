#pragma once

#include <string>
#include <string_view>

namespace fhirgw::common {

/// One vocabulary of error codes for the whole gateway (after absl::StatusCode).
enum class StatusCode {
  kOk,
  kInvalidArgument,  ///< the caller sent something wrong; never retried as is
  kNotFound,
  kAlreadyExists,
  kAborted,             ///< a conflict, e.g. an idempotency key reused with another body
  kFailedPrecondition,  ///< the system is not in the state the operation needs
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,  ///< a limit or quota was hit; retryable later
  kUnavailable,        ///< transient: connection refused, store busy; retryable
  kDeadlineExceeded,   ///< a timeout; retryable
  kUnimplemented,
  kInternal,  ///< a bug or an invariant broken
  kDataLoss,
};

/// Stable lower-case name of a code, for logs and tests ("invalid-argument").
std::string_view statusCodeName(StatusCode code);

/// True for codes worth retrying unchanged: unavailable, deadline exceeded, resource exhausted.
bool isRetryable(StatusCode code);

/// The outcome of an operation: a code and, when not ok, a message for operators (no health data).
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  /// The success value.
  static Status ok() { return {}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "code: message", for logs.
  std::string toString() const;

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

/// Shorthands that read like the codes.
Status invalidArgument(std::string message);
Status notFound(std::string message);
Status alreadyExists(std::string message);
Status aborted(std::string message);
Status failedPrecondition(std::string message);
Status permissionDenied(std::string message);
Status unauthenticated(std::string message);
Status resourceExhausted(std::string message);
Status unavailable(std::string message);
Status deadlineExceeded(std::string message);
Status unimplemented(std::string message);
Status internal(std::string message);

namespace detail {
/// The Status a FHIRGW_RETURN_IF_ERROR expression stands for (result.hpp adds Result<T>).
inline Status statusOf(Status status) { return status; }
}  // namespace detail

}  // namespace fhirgw::common

/// Returns the Status of `expr` (a Status or a Result<T>, evaluated once) from the enclosing
/// function when it is not ok; that function returns Status or any Result<U>.
#define FHIRGW_RETURN_IF_ERROR(expr)                                                        \
  do {                                                                                      \
    if (::fhirgw::common::Status fhirgw_status_ = ::fhirgw::common::detail::statusOf(expr); \
        !fhirgw_status_.isOk()) {                                                           \
      return fhirgw_status_;                                                                \
    }                                                                                       \
  } while (false)
