#include "fhirgw/store/delivery.hpp"

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::store {
namespace {

constexpr common::CodeTable<DeliveryStatus, 6> kStatusNames{{{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kInFlight, "in-flight"},
    {DeliveryStatus::kDelivered, "delivered"},
    {DeliveryStatus::kFailed, "failed"},
    {DeliveryStatus::kDead, "dead"},
    {DeliveryStatus::kSkipped, "skipped"},
}}};

constexpr common::CodeTable<AttemptOutcome, 3> kOutcomeNames{{{
    {AttemptOutcome::kDelivered, "delivered"},
    {AttemptOutcome::kFailed, "failed"},
    {AttemptOutcome::kInterrupted, "interrupted"},
}}};

constexpr common::CodeTable<ErrorClass, 2> kErrorClassNames{{{
    {ErrorClass::kTransient, "transient"},
    {ErrorClass::kPermanent, "permanent"},
}}};

}  // namespace

std::string_view attemptOutcomeName(AttemptOutcome outcome) { return kOutcomeNames.code(outcome); }

std::optional<AttemptOutcome> parseAttemptOutcome(std::string_view text) {
  return kOutcomeNames.parse(text);
}

std::string_view errorClassName(ErrorClass errorClass) { return kErrorClassNames.code(errorClass); }

std::optional<ErrorClass> parseErrorClass(std::string_view text) {
  return kErrorClassNames.parse(text);
}

std::string_view deliveryStatusName(DeliveryStatus status) { return kStatusNames.code(status); }

std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text) {
  return kStatusNames.parse(text);
}

}  // namespace fhirgw::store
