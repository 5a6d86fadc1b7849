#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::rules {

/// What TLC-ACTIVITY-CAP needs to know about a practitioner's year; the store implements it.
/// Errors (store unreachable) stop the evaluation: the request fails, it is not half-checked.
class ActivityHistory {
 public:
  virtual ~ActivityHistory() = default;

  /// Total acts the practitioner declared for the calendar year
  /// (PUT /admin/v1/practitioners/{rpps}/activity); nullopt when nothing was declared.
  virtual common::Result<std::optional<std::int64_t>> declaredTotalActs(std::string_view rpps,
                                                                        int year) const = 0;

  /// Teleconsultations already recorded by the gateway for the practitioner whose encounter date
  /// falls in the calendar year, not counting those where the practitioner was the patient's
  /// treating physician (relationToPatient `treating-physician`).
  virtual common::Result<std::int64_t> teleconsultationsRecorded(std::string_view rpps,
                                                                 int year) const = 0;

  /// The practitioner's own cap for the year in percent (a derogation of the national
  /// commission, set with the activity declaration), or nullopt: the configured cap applies.
  virtual common::Result<std::optional<int>> capPercent(std::string_view /*rpps*/,
                                                        int /*year*/) const {
    return std::optional<int>{};
  }
};

}  // namespace fhirgw::rules
