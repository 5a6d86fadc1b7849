#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace fhirgw::common {

/// A random RFC 4122 version-4 UUID, lower case ("3f2b...-...").
std::string newUuid();

/// A time-ordered RFC 9562 version-7 UUID, lower case: the Unix time in milliseconds (48 bits),
/// a 12-bit sequence, 62 random bits. Ids made by one process sort as text in the order they
/// were made (within a millisecond the sequence counts up, and past its end the timestamp
/// steps forward), so a store's indexes on them grow at their right edge instead of at random
/// leaves. They tell when they were made, to the millisecond.
std::string newTimeOrderedUuid();

/// The state behind newTimeOrderedUuid (one for the process there; tests make their own).
class TimeOrderedUuids {
 public:
  /// The next id at unixMs (milliseconds since the Unix epoch). The time written is the
  /// greatest of unixMs and the previous id's, so the ids stay ordered if the clock steps back.
  std::string next(std::int64_t unixMs);

 private:
  std::mutex mutex_;
  std::int64_t lastMs_ = -1;
  unsigned sequence_ = 0;
};

/// A random 256-bit secret as 64 lower-case hex characters (API keys, admin tokens).
std::string newSecretToken();

/// A deterministic UUID-shaped id (version-5 layout over SHA-256) from the parts, so a replay of
/// the same record gives the same ids. Parts are length-prefixed: ("ab","c") != ("a","bc").
std::string deterministicUuid(std::initializer_list<std::string_view> parts);

/// deterministicUuid(parts) made to sort next to `neighbour` (a delivery's id next to its
/// record's): when `neighbour` is a version-7 UUID, a version-7 UUID with the same 48-bit
/// timestamp and 74 bits of the parts' SHA-256; otherwise deterministicUuid(parts) itself (ids
/// made before time-ordered ones, names in tests).
std::string deterministicUuidNear(std::string_view neighbour,
                                  std::initializer_list<std::string_view> parts);

}  // namespace fhirgw::common
