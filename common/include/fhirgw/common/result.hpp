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

}  // namespace fhirgw::common
