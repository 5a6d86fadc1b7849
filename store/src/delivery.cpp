#include "fhirgw/store/delivery.hpp"

#include <array>
#include <utility>

namespace fhirgw::store {
namespace {

constexpr std::array<std::pair<DeliveryStatus, std::string_view>, 6> kNames = {{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kInFlight, "in-flight"},
    {DeliveryStatus::kDelivered, "delivered"},
    {DeliveryStatus::kFailed, "failed"},
    {DeliveryStatus::kDead, "dead"},
    {DeliveryStatus::kSkipped, "skipped"},
}};

constexpr std::array<std::pair<AttemptOutcome, std::string_view>, 3> kOutcomeNames = {{
    {AttemptOutcome::kDelivered, "delivered"},
    {AttemptOutcome::kFailed, "failed"},
    {AttemptOutcome::kInterrupted, "interrupted"},
}};

constexpr std::array<std::pair<ErrorClass, std::string_view>, 2> kErrorClassNames = {{
    {ErrorClass::kTransient, "transient"},
    {ErrorClass::kPermanent, "permanent"},
}};

template <typename E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return names.front().second;
}

template <typename E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& names,
                       std::string_view text) {
  for (const auto& [v, name] : names) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view attemptOutcomeName(AttemptOutcome outcome) {
  return nameOf(kOutcomeNames, outcome);
}

std::optional<AttemptOutcome> parseAttemptOutcome(std::string_view text) {
  return parse(kOutcomeNames, text);
}

std::string_view errorClassName(ErrorClass errorClass) {
  return nameOf(kErrorClassNames, errorClass);
}

std::optional<ErrorClass> parseErrorClass(std::string_view text) {
  return parse(kErrorClassNames, text);
}

std::string_view deliveryStatusName(DeliveryStatus status) {
  for (const auto& [value, name] : kNames) {
    if (value == status) return name;
  }
  return "pending";
}

std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace fhirgw::store
