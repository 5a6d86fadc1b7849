#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/fhir/date.hpp"

namespace fhirgw::fhir {

/// A point in time at millisecond resolution; 64-bit milliseconds cover every year 1-9999,
/// which system_clock's nanoseconds do not.
using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

/// An RFC 3339 date-time with a UTC offset ("2026-11-20T09:30:00+01:00"), kept as received and
/// parsed: the instant it denotes and the calendar date in its own offset.
struct DateTime {
  std::string text;       ///< exactly as received (FHIR output keeps the editor's offset)
  Instant instant;        ///< the UTC instant
  int offsetMinutes = 0;  ///< the offset, east of UTC positive
  Date localDate;         ///< calendar date in the text's own offset (the "encounter date")

  /// Parses "YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)", uppercase T and Z as FHIR
  /// requires; the offset is mandatory, seconds 00-59 (no leap second), fraction kept to the
  /// millisecond. nullopt when malformed or not a real date and time.
  static std::optional<DateTime> parse(std::string_view text);
};

/// The instant of a Clock's time point, truncated to the millisecond.
Instant toInstant(std::chrono::system_clock::time_point t);

/// The calendar date of an instant in UTC.
Date utcDate(Instant instant);

}  // namespace fhirgw::fhir
