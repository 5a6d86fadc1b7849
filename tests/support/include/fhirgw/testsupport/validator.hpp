#pragma once

// Header-only, for tests that link fhirgw::fhir: the gateway's validator (base R4 + FR Core),
// built once per test process and injected where the product's wiring injects its own.

#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/validator.hpp"

namespace fhirgw::testsupport {

/// The validator the gateway builds at start-up (fhir::makeFrCoreValidator), shared by the tests
/// of this process; immutable, so safe to share between threads.
inline const fhir::Validator& gatewayValidator() {
  static const fhir::Validator validator = fhir::makeFrCoreValidator();
  return validator;
}

}  // namespace fhirgw::testsupport
