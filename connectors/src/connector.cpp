#include "fhirgw/connectors/connector.hpp"

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::connectors {
namespace {

constexpr common::CodeTable<ErrorClass, 2> kErrorClassNames{{{
    {ErrorClass::kTransient, "transient"},
    {ErrorClass::kPermanent, "permanent"},
}}};

}  // namespace

std::string_view errorClassName(ErrorClass errorClass) { return kErrorClassNames.code(errorClass); }

std::optional<ErrorClass> parseErrorClass(std::string_view text) {
  return kErrorClassNames.parse(text);
}

DeliveryResult DeliveryResult::because(std::string_view code) && {
  reason = std::string(code);
  return std::move(*this);
}

DeliveryResult DeliveryResult::success(std::optional<int> httpStatus) {
  DeliveryResult r;
  r.httpStatus = httpStatus;
  return r;
}

DeliveryResult DeliveryResult::transient(std::string message, std::optional<int> httpStatus,
                                         std::optional<std::chrono::seconds> retryAfter) {
  DeliveryResult r;
  r.errorClass = ErrorClass::kTransient;
  r.httpStatus = httpStatus;
  r.retryAfter = retryAfter;
  r.message = std::move(message);
  return r;
}

DeliveryResult DeliveryResult::permanent(std::string message, std::optional<int> httpStatus) {
  DeliveryResult r;
  r.errorClass = ErrorClass::kPermanent;
  r.httpStatus = httpStatus;
  r.message = std::move(message);
  return r;
}

ProbeResult ProbeResult::failed(std::optional<ErrorClass> errorClass, std::string reason,
                                std::string message, std::string endpoint) {
  ProbeResult r;
  r.errorClass = errorClass;
  r.reason = std::move(reason);
  r.message = std::move(message);
  r.endpoint = std::move(endpoint);
  return r;
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): the interface takes the token by value
ProbeResult Connector::probe(std::stop_token /*stop*/) const {
  return ProbeResult::failed(std::nullopt, "not-supported",
                             "this connector type has no connection test");
}

}  // namespace fhirgw::connectors
