#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "fhirgw/common/status.hpp"

namespace fhirgw::common {

/// A value or a non-ok Status, shaped like std::expected<T, Status>.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(data_).isOk() && "a Result needs a value or an error");
  }

  bool hasValue() const { return data_.index() == 0; }
  explicit operator bool() const { return hasValue(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; only valid when !hasValue().
  const Status& error() const { return std::get<1>(data_); }
  /// Ok when there is a value, the error otherwise.
  Status status() const { return hasValue() ? Status::ok() : error(); }

 private:
  std::variant<T, Status> data_;
};

namespace detail {
/// FHIRGW_RETURN_IF_ERROR on a Result: only its error matters, the value is dropped.
template <typename T>
Status statusOf(const Result<T>& result) {
  return result.status();
}
}  // namespace detail

}  // namespace fhirgw::common

#define FHIRGW_CONCAT_INNER_(a, b) a##b
#define FHIRGW_CONCAT_(a, b) FHIRGW_CONCAT_INNER_(a, b)

/// Evaluates `expr` (a Result<T>) once: on error returns its Status from the enclosing function
/// (which returns Status or any Result<U>), otherwise moves the value into `lhs`, a declaration
/// (`auto x`, `const T& x`) or an existing variable. It expands to several statements, so it
/// cannot be the unbraced body of an `if`; an `lhs` type with a comma needs an alias.
#define FHIRGW_ASSIGN_OR_RETURN(lhs, expr) \
  FHIRGW_ASSIGN_OR_RETURN_IMPL_(FHIRGW_CONCAT_(fhirgw_result_, __COUNTER__), lhs, expr)

// lhs cannot be parenthesised: it may be a declaration.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FHIRGW_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                  \
  if (!result.hasValue()) return result.error();         \
  lhs = std::move(result).value()
// NOLINTEND(bugprone-macro-parentheses)
