#include "fhirgw/common/ids.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace fhirgw::common;

namespace {
const std::regex kUuid(
    "^[0-9a-f]{8}-[0-9a-f]{4}-([45])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
}

TEST(Ids, RandomUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = newUuid();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(id, m, kUuid)) << id;
    EXPECT_EQ(m[1], "4");
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, SecretTokensAre256BitHex) {
  const std::string t = newSecretToken();
  EXPECT_EQ(t.size(), 64u);
  EXPECT_TRUE(std::regex_match(t, std::regex("^[0-9a-f]{64}$")));
  EXPECT_NE(t, newSecretToken());
}

TEST(Ids, DeterministicUuidIsStableAndVersion5) {
  const std::string a = deterministicUuid({"client-1", "LGC-1", "Patient"});
  std::smatch m;
  ASSERT_TRUE(std::regex_match(a, m, kUuid)) << a;
  EXPECT_EQ(m[1], "5");
  EXPECT_EQ(a, deterministicUuid({"client-1", "LGC-1", "Patient"}));
  EXPECT_NE(a, deterministicUuid({"client-2", "LGC-1", "Patient"}));
}

TEST(Ids, DeterministicUuidSeparatesPartBoundaries) {
  EXPECT_NE(deterministicUuid({"ab", "c"}), deterministicUuid({"a", "bc"}));
}

namespace {

const std::regex kVersion7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

/// unix_ts_ms of a version-7 UUID: its first 12 hex digits.
std::int64_t timestampOf(const std::string& id) {
  return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

/// rand_a of a version-7 UUID: the 12 bits after the version digit.
unsigned sequenceOf(const std::string& id) {
  return static_cast<unsigned>(std::stoul(id.substr(15, 3), nullptr, 16));
}

}  // namespace

TEST(Ids, TimeOrderedUuidsAreVersion7WithTheVariantAndTheTimeNow) {
  const auto msNow = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const std::int64_t before = msNow();
  const std::string id = newTimeOrderedUuid();
  const std::int64_t after = msNow();
  ASSERT_TRUE(std::regex_match(id, kVersion7)) << id;
  // Later than `after` only if the process handed out ids faster than the sequence allows.
  EXPECT_GE(timestampOf(id), before);
  EXPECT_LE(timestampOf(id), after + 1);
}

TEST(Ids, TimeOrderedUuidsSortInTheOrderTheyWereMadeAndAreDistinct) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(newTimeOrderedUuid());
  for (std::size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
    ASSERT_TRUE(std::regex_match(ids[i], kVersion7)) << ids[i];
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(Ids, TimeOrderedUuidsOfManyThreadsAreDistinct) {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& out : made) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 5000; ++i) out.push_back(newTimeOrderedUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& out : made) {
    for (std::size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1], out[i]);
    seen.insert(out.begin(), out.end());
  }
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(Ids, TimeOrderedUuidsCarryTheirMillisecondAndCountWithinIt) {
  TimeOrderedUuids ids;
  const std::int64_t at = 0x0123456789abLL;
  const std::string first = ids.next(at);
  const std::string second = ids.next(at);
  ASSERT_TRUE(std::regex_match(first, kVersion7)) << first;
  EXPECT_EQ(first.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(timestampOf(second), at);
  // A new millisecond starts in the lower half of the 12-bit sequence; the same one counts up.
  EXPECT_LT(sequenceOf(first), 0x800u);
  EXPECT_EQ(sequenceOf(second), sequenceOf(first) + 1);
  EXPECT_LT(first, second);
  EXPECT_NE(first.substr(19), second.substr(19));  // the 62 random bits are drawn anew
}

TEST(Ids, TimeOrderedUuidsStayOrderedWhenTheClockStepsBack) {
  TimeOrderedUuids ids;
  const std::string later = ids.next(2'000'000);
  const std::string earlier = ids.next(1'000'000);
  EXPECT_LT(later, earlier);
  EXPECT_EQ(timestampOf(earlier), 2'000'000);
}

TEST(Ids, TimeOrderedUuidsBorrowTheNextMillisecondWhenTheSequenceIsSpent) {
  TimeOrderedUuids ids;
  std::string previous = ids.next(5'000);
  // At least 2,048 ids fit in the first millisecond; at most 4,096.
  int inFirst = 1;
  for (int i = 0; i < 4096; ++i) {
    const std::string id = ids.next(5'000);
    ASSERT_LT(previous, id);
    if (timestampOf(id) == 5'000) ++inFirst;
    previous = id;
  }
  EXPECT_GE(inFirst, 2048);
  EXPECT_LE(inFirst, 4096);
  EXPECT_EQ(timestampOf(previous), 5'001);
}

TEST(Ids, DeterministicUuidNearAVersion7IdTakesItsTimestamp) {
  TimeOrderedUuids ids;
  const std::string record = ids.next(0x0123456789abLL);
  const std::string a = deterministicUuidNear(record, {"delivery", record, "dmp"});
  ASSERT_TRUE(std::regex_match(a, kVersion7)) << a;
  EXPECT_EQ(a.substr(0, 13), record.substr(0, 13));
  EXPECT_EQ(a, deterministicUuidNear(record, {"delivery", record, "dmp"}));
  EXPECT_NE(a, deterministicUuidNear(record, {"delivery", record, "patient"}));
  // The rest is the parts' hash: deterministicUuid's bits after the timestamp.
  EXPECT_EQ(a.substr(15), deterministicUuid({"delivery", record, "dmp"}).substr(15));
}

TEST(Ids, DeterministicUuidNearAnyOtherIdIsDeterministicUuid) {
  for (const std::string& neighbour :
       {std::string("rec-1"), newUuid(), deterministicUuid({"x"}), std::string(""),
        std::string("0123456z-89ab-7def-8123-456789abcdef"),
        std::string("01234567-89ab-7def-c123-456789abcdef"),
        std::string("01234567-89AB-7DEF-8123-456789ABCDEF")}) {
    EXPECT_EQ(deterministicUuidNear(neighbour, {"delivery", neighbour}),
              deterministicUuid({"delivery", neighbour}))
        << neighbour;
  }
}

TEST(Ids, DeterministicUuidNearSortsTheIdsOfALaterRecordAfter) {
  const std::string earlier = "019ae7c1-2b3c-7fff-bfff-ffffffffffff";
  const std::string later = "019ae7c1-2b3d-7000-8000-000000000000";
  for (const char* element : {"Patient", "Encounter", "Provenance"}) {
    EXPECT_LT(deterministicUuidNear(earlier, {"c", earlier, element}),
              deterministicUuidNear(later, {"c", later, element}))
        << element;
  }
}
