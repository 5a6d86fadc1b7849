#include "validation/type_checks.hpp"

#include <array>

namespace fhirgw::fhir::validation {
namespace {

constexpr std::array<TypeChecks, 11> kTypeChecks = {{
    {"Extension", &checkExtension, nullptr},
    {"Period", &checkPeriod, nullptr},
    {"Age", &checkCodedQuantity, nullptr},
    {"Count", &checkCodedQuantity, nullptr},
    {"Distance", &checkCodedQuantity, nullptr},
    {"Duration", &checkCodedQuantity, nullptr},
    {"Consent", &checkConsent, nullptr},
    {"Bundle", &checkBundle, nullptr},
    {"Reference", nullptr, &checkReference},
    {"Coding", nullptr, &checkCodingBinding},
    {"CodeableConcept", nullptr, &checkCodeableConceptBinding},
}};

}  // namespace

std::span<const TypeChecks> typeChecks() { return kTypeChecks; }

}  // namespace fhirgw::fhir::validation
