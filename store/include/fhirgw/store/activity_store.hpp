#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::store {

/// Declared practitioner activity and counted teleconsultations (TLC-ACTIVITY-CAP).
class ActivityStore {
 public:
  virtual ~ActivityStore() = default;

  /// Sets the declared total acts of a practitioner for a year and, with it, the practitioner's
  /// own TLC-ACTIVITY-CAP threshold in percent (a derogation of the national commission; nullopt:
  /// the configured cap), in one write: both replace a previous declaration.
  virtual common::Status upsertPractitionerActivity(std::string_view rpps, int year,
                                                    std::int64_t totalActs,
                                                    std::optional<int> capPercent) = 0;
  /// The declared total acts; kNotFound when nothing was declared for that year.
  virtual common::Result<std::int64_t> getPractitionerActivity(std::string_view rpps,
                                                               int year) const = 0;
  /// The practitioner's own threshold for a year; nullopt when none was set.
  virtual common::Result<std::optional<int>> getPractitionerCapPercent(std::string_view /*rpps*/,
                                                                       int /*year*/) const {
    return std::optional<int>{};
  }
  /// Teleconsultations recorded (all clients) for this practitioner and encounter year, not
  /// counting those where the practitioner is the patient's treating physician.
  virtual common::Result<std::int64_t> countTeleconsultations(std::string_view rpps,
                                                              int year) const = 0;
};

}  // namespace fhirgw::store
