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

}  // namespace

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
