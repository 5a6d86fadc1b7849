// Lean writes (issue 15): the large values are packed (deflated, NUL-free) before they are
// sealed, rows written before read as they are after migration 7, and a submission's audit
// entry is stored in its own transaction.

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/store/sqlite_store.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "packed_value.hpp"
#include "schema.hpp"
#include "store_test_support.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
using common::StatusCode;

namespace {

/// A FHIR-like resource of about 1.5 KB, as the mapper writes them (compact, repetitive keys).
std::string resourceJson(const std::string& id) {
  std::string json = R"({"resourceType":"Observation","id":")" + id +
                     R"(","meta":{"profile":["https://hl7.fr/ig/fhir/core/StructureDefinition/)"
                     R"(fr-core-observation"]},"status":"final","component":[)";
  for (int i = 0; i < 12; ++i) {
    if (i > 0) json += ",";
    json += R"({"code":{"coding":[{"system":"http://loinc.org","code":")" +
            std::to_string(8000 + i) + R"(","display":"Mesure)" + std::to_string(i) +
            R"("}]},"valueString":"é)" + std::to_string(i * 7) + R"("})";
  }
  return json + "]}";
}

/// 16 symbols drawn at random: half compressible, so the deflated stream is random-looking
/// bytes, with zero bytes to frame away and stretches longer than 254 bytes without one.
std::string awkwardBytes() {
  std::mt19937 random(15);
  std::string s;
  for (int i = 0; i < 20000; ++i) s.push_back(static_cast<char>('a' + random() % 16));
  return s;
}

}  // namespace

// ---- the packed form -----------------------------------------------------------------------

TEST(PackedValue, RoundTripsAndHasNoNulByte) {
  for (const std::string& plain : {resourceJson("a"), awkwardBytes(), std::string(100000, '{'),
                                   std::string(254, 'q') + std::string(300, '\x01')}) {
    const auto packed = detail::packValue(plain);
    ASSERT_TRUE(packed.has_value()) << plain.size();
    EXPECT_TRUE(detail::isPacked(*packed));
    EXPECT_LT(packed->size(), plain.size());
    EXPECT_EQ(packed->find('\0'), std::string::npos) << "a std::string read would cut it";
    auto unpacked = detail::unpackValue(*packed);
    ASSERT_TRUE(unpacked.hasValue()) << unpacked.status().toString();
    EXPECT_EQ(*unpacked, plain);
  }
}

TEST(PackedValue, AValuePacksToTheSameBytesWhateverTheThreadPackedBefore) {
  // Each thread's streams reuse the memory of the values it packed before: nothing of them may
  // show in the next one (first value on a fresh thread, then after values of other sizes).
  const std::string plain = resourceJson("a");
  std::optional<std::string> first;
  std::thread([&] { first = detail::packValue(plain); }).join();
  ASSERT_TRUE(first.has_value());
  for (const std::string& other : {awkwardBytes(), std::string(100000, '{'), resourceJson("b")}) {
    ASSERT_TRUE(detail::packValue(other).has_value());
    EXPECT_EQ(detail::packValue(plain), first);
  }
  auto unpacked = detail::unpackValue(*first);
  ASSERT_TRUE(unpacked.hasValue()) << unpacked.status().toString();
  EXPECT_EQ(*unpacked, plain);
}

TEST(PackedValue, ShortOrIncompressibleValuesAreNotPacked) {
  EXPECT_FALSE(detail::packValue(R"({"resourceType":"OperationOutcome","issue":[]})").has_value());
  std::mt19937 random(15);
  std::string noise;
  for (int i = 0; i < 2000; ++i) noise.push_back(static_cast<char>(random() % 255 + 1));
  EXPECT_FALSE(detail::packValue(noise).has_value());
  EXPECT_FALSE(detail::isPacked(R"({"a":1})"));
  EXPECT_FALSE(detail::isPacked("gcm1:0011223344556677:AAAA"));
}

TEST(PackedValue, AlteredOrTruncatedValuesAreDataLoss) {
  const std::string packed = *detail::packValue(resourceJson("a"));
  std::string altered = packed;
  altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x55);
  if (altered[altered.size() / 2] == '\0') altered[altered.size() / 2] = '\x7f';
  EXPECT_EQ(detail::unpackValue(altered).error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(detail::unpackValue(packed.substr(0, packed.size() - 9)).error().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(detail::unpackValue("\x1f"
                                "d9abc")
                .error()
                .code(),
            StatusCode::kDataLoss);
}

namespace {

const std::string kD2 =
    "\x1f"
    "d2";

/// CRC-32 (ISO-HDLC, reflected 0xEDB88320), bit by bit: the check d2 documents, computed here
/// without zlib.
std::uint32_t crc32Reference(std::string_view s) {
  std::uint32_t crc = 0xffffffffU;
  for (const char c : s) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

/// The deflated bytes and the check behind a d2 value (its COBS framing undone).
std::string d2Payload(const std::string& packed) {
  EXPECT_EQ(packed.substr(0, 3), kD2);
  std::string payload;
  EXPECT_TRUE(detail::cobsDecode(packed.substr(3), payload));
  return payload;
}

std::string d2Value(std::string_view payload) { return kD2 + detail::cobsEncode(payload); }

}  // namespace

TEST(PackedValue, IsWrittenAsRawDeflateFollowedByTheValuesCrc32BigEndian) {
  const std::string plain = resourceJson("d2");
  const std::string payload = d2Payload(*detail::packValue(plain));
  ASSERT_GT(payload.size(), 4u);
  const std::uint32_t crc = crc32Reference(plain);
  EXPECT_EQ(payload.substr(payload.size() - 4),
            std::string({static_cast<char>(crc >> 24), static_cast<char>((crc >> 16) & 0xff),
                         static_cast<char>((crc >> 8) & 0xff), static_cast<char>(crc & 0xff)}));
  // Raw deflate: no zlib header (0x78 ...) in front.
  EXPECT_NE(static_cast<unsigned char>(payload[0]), 0x78);
  auto unpacked = detail::unpackValue(d2Value(payload));
  ASSERT_TRUE(unpacked.hasValue()) << unpacked.status().toString();
  EXPECT_EQ(*unpacked, plain);
}

TEST(PackedValue, AD2ValueWithAnAlteredStreamOrCheckIsDataLoss) {
  const std::string plain = resourceJson("altered");
  const std::string payload = d2Payload(*detail::packValue(plain));
  const std::size_t streamBytes = payload.size() - 4;
  // A byte of the deflate data: at the start, in the middle, and the stream's last byte in its
  // lowest bit (its high bits may be padding, which no deflate format checks: the value reads
  // the same).
  const std::size_t middle = streamBytes / 2;
  const std::vector<std::pair<std::size_t, int>> flips = {{0, 0x01},
                                                          {0, 0x80},
                                                          {0, 0xff},
                                                          {middle, 0x01},
                                                          {middle, 0x80},
                                                          {middle, 0xff},
                                                          {streamBytes - 1, 0x01}};
  for (const auto& [at, flip] : flips) {
    std::string altered = payload;
    altered[at] = static_cast<char>(altered[at] ^ flip);
    const auto unpacked = detail::unpackValue(d2Value(altered));
    ASSERT_FALSE(unpacked.hasValue()) << "byte " << at << " ^ " << flip;
    EXPECT_EQ(unpacked.error().code(), StatusCode::kDataLoss);
  }
  // Each byte of the check.
  for (std::size_t at = streamBytes; at < payload.size(); ++at) {
    std::string altered = payload;
    altered[at] = static_cast<char>(altered[at] ^ 0x01);
    const auto unpacked = detail::unpackValue(d2Value(altered));
    ASSERT_FALSE(unpacked.hasValue()) << "check byte " << at - streamBytes;
    EXPECT_EQ(unpacked.error().code(), StatusCode::kDataLoss);
    EXPECT_NE(unpacked.error().message().find("check"), std::string::npos)
        << unpacked.error().message();
  }
}

TEST(PackedValue, ATruncatedOrLengthenedD2ValueIsDataLoss) {
  const std::string payload = d2Payload(*detail::packValue(resourceJson("truncated")));
  for (const std::size_t keep : {payload.size() - 1, payload.size() - 4, payload.size() - 5,
                                 payload.size() / 2, std::size_t{3}, std::size_t{0}}) {
    const auto unpacked = detail::unpackValue(d2Value(payload.substr(0, keep)));
    ASSERT_FALSE(unpacked.hasValue()) << keep << " of " << payload.size() << " bytes";
    EXPECT_EQ(unpacked.error().code(), StatusCode::kDataLoss);
  }
  // A byte after the check.
  EXPECT_EQ(detail::unpackValue(d2Value(payload + "x")).error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(detail::unpackValue(kD2).error().code(), StatusCode::kDataLoss);
}

// Each value starts from the same primed stream, whatever was packed before it on the thread.
TEST(PackedValue, AValuePacksTheSameBeforeAndAfterOthers) {
  const std::string first = *detail::packValue(resourceJson("same"));
  ASSERT_TRUE(detail::packValue(awkwardBytes()).has_value());
  ASSERT_TRUE(detail::packValue(std::string(100000, '{')).has_value());
  EXPECT_EQ(*detail::packValue(resourceJson("same")), first);
}

TEST(PackedValue, AnEmptyValueIsNotPacked) {
  EXPECT_FALSE(detail::packValue("").has_value());
  EXPECT_FALSE(detail::isPacked(""));
}

// A value packed by the gateway before format d2 (d1: a zlib stream from the same dictionary,
// COBS-encoded), as rows written then hold it.
TEST(PackedValue, AD1ValueWrittenBeforeD2StillReads) {
  const std::string plain =
      R"({"resourceType":"Observation","id":"d1-frozen","meta":{"profile":["https://hl7.fr/ig/)"
      R"(fhir/core/StructureDefinition/fr-core-observation"]},"status":"final","code":{"coding":[)"
      R"({"system":"http://loinc.org","code":"8302-2","display":"Taille"}]},"valueQuantity":{"val)"
      R"(ue":"172","unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}})";
  // Written by packValue at 493c6a6 (level 3).
  const std::string d1 =
      "\x1f\x64\x31\x6e\x78\x7d\xe0\x48\x4a\xc1\xc3\x1c\x4b\x06\xef\x16\x42\x19\x4a\x4e\x31\xd4"
      "\x4d\x2b\xca\xaf\x02\xe6\x0f\xaa\x76\xc6\x20\xfb\x92\x10\xc3\xc5\xc8\x73\xbd\xe0\x2e\x2c"
      "\xa1\x4c\x06\x4c\x50\x58\xd6\xfa\x01\x97\xa6\x01\x17\x98\xa1\xa4\x92\x10\x60\xf2\x07\x16"
      "\xa0\xe0\xda\x07\x9c\xf1\x03\x31\xc7\xe0\x95\x0c\xcd\x41\x9a\x4a\x81\x25\x30\x30\x28\x93"
      "\x41\x9b\x2a\xd0\x6b\x48\x90\x5c\x71\x7e\x5a\x2e\x70\x31\x29\xb0\xb8\x46\x5d\x61\x08\xd4"
      "\x50\x5b\x0b\x05\xb9\xa9\x70\xe2";
  ASSERT_EQ(d1.size(), 118u);
  ASSERT_TRUE(detail::isPacked(d1));
  auto unpacked = detail::unpackValue(d1);
  ASSERT_TRUE(unpacked.hasValue()) << unpacked.status().toString();
  EXPECT_EQ(*unpacked, plain);
  // Read between d2 values on the same thread (one inflate stream switching between both).
  const std::string d2 = *detail::packValue(plain);
  EXPECT_EQ(d2.substr(0, 3), kD2);
  EXPECT_EQ(*detail::unpackValue(d2), plain);
  EXPECT_EQ(*detail::unpackValue(d1), plain);
  EXPECT_EQ(*detail::unpackValue(d2), plain);
  // d1's zlib stream checks itself (Adler-32): a byte altered in it is refused.
  std::string payload;
  ASSERT_TRUE(detail::cobsDecode(d1.substr(3), payload));
  payload[payload.size() / 2] = static_cast<char>(payload[payload.size() / 2] ^ 0x01);
  EXPECT_EQ(detail::unpackValue("\x1f"
                                "d1" +
                                detail::cobsEncode(payload))
                .error()
                .code(),
            StatusCode::kDataLoss);
  // And a d1 stream labelled d2 is not read as d2.
  EXPECT_EQ(detail::unpackValue(kD2 + d1.substr(3)).error().code(), StatusCode::kDataLoss);
}

// ---- the store -----------------------------------------------------------------------------

namespace {

// The packed values and the submission's audit entry, on both engines.
class LeanRows : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->createClient({"c-1", "c-1", ClientRole::kEditor, {}}, testsupport::newStoredKey())
            .isOk());
  }

  /// Each value of a column as "packed:<bytes>" or "plain:<bytes>". A packed value is a BLOB in
  /// SQLite (its TEXT column takes it as it is); PostgreSQL's packed columns are bytea.
  std::vector<std::string> shapes(const std::string& table, const std::string& column) {
    const std::string sql =
        db->engine() == Engine::kSqlite
            ? "SELECT CASE WHEN typeof(" + column + ") = 'blob' AND hex(substr(" + column +
                  ", 1, 1)) = '1F' THEN 'packed' ELSE 'plain' END || ':' || length(CAST(" + column +
                  " AS BLOB)) FROM " + table
            : "SELECT CASE WHEN octet_length(" + column + ") > 0 AND get_byte(" + column +
                  ", 0) = 31 THEN 'packed' ELSE 'plain' END || ':' || octet_length(" + column +
                  ") FROM " + table;
    auto out = db->column(sql);
    EXPECT_TRUE(out.hasValue()) << out.status().toString();
    return out.hasValue() ? *out : std::vector<std::string>();
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(LeanRows);

// Retention of packed content needs the delivery queue (SQLite only so far).
class LeanRowsSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    store = fhirgw::testsupport::openTestStore(dir.path(), clock, {"c-1"});
    ASSERT_NE(store, nullptr);
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<Store> store;
};

Submission largeSubmission(const std::string& recordId) {
  Submission sub = makeSubmission("c-1", recordId, "ext-" + recordId);
  sub.record->body = resourceJson("body-" + recordId);
  sub.documents[0].body = resourceJson("doc-" + recordId);
  sub.resources[0].json = resourceJson(recordId + "-enc");
  sub.resources[1].json = resourceJson(recordId + "-docref");
  sub.idempotency = {{"tc-ext:ext-" + recordId, "h", 201, resourceJson("answer"), 24h}};
  return sub;
}

}  // namespace

TEST_P(LeanRows, LargeValuesAreStoredPackedAndEveryReaderGetsThemBack) {
  const Submission sub = largeSubmission("r-1");
  ASSERT_TRUE(store->commitSubmission(sub).isOk());

  const auto resources = shapes("fhir_resources", "json");
  ASSERT_EQ(resources.size(), 2u);
  for (const std::string& shape : resources) {
    EXPECT_EQ(shape.rfind("packed:", 0), 0u) << shape;
    EXPECT_LT(std::stoul(shape.substr(7)), sub.resources[0].json.size() / 2) << shape;
  }
  EXPECT_EQ(shapes("records", "body").at(0).rfind("packed:", 0), 0u);
  EXPECT_EQ(shapes("documents", "body").at(0).rfind("packed:", 0), 0u);
  EXPECT_EQ(shapes("idempotency_keys", "response_body").at(0).rfind("packed:", 0), 0u);
  // A short value gains nothing packed: it stays as it is.
  EXPECT_EQ(shapes("records", "outcome").at(0),
            "plain:" + std::to_string(sub.record->outcome.size()));

  EXPECT_EQ(store->getRecord("c-1", "r-1")->body, sub.record->body);
  EXPECT_EQ(store->findRecordByExternalId("c-1", "ext-r-1")->body, sub.record->body);
  EXPECT_EQ(store->getRecord("c-1", "r-1")->outcome, sub.record->outcome);
  EXPECT_EQ(store->listDocuments("c-1", "r-1")->at(0).body, sub.documents[0].body);
  EXPECT_EQ(store->listFhirResources("c-1", "r-1")->at(1).json, sub.resources[1].json);
  // The delivery engine's payload reads.
  EXPECT_EQ(store->listRecordFhirResources("r-1")->at(0).json, sub.resources[0].json);
  auto payload = store->listPayloadFhirResources("r-1", std::string("r-1-doc"));
  ASSERT_TRUE(payload.hasValue()) << payload.status().toString();
  ASSERT_EQ(payload->size(), 2u);
  EXPECT_EQ(payload->at(1).json, sub.resources[1].json);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "tc-ext:ext-r-1")->responseBody,
            sub.idempotency[0].responseBody);
}

TEST_F(LeanRowsSqlite, RetentionPurgesPackedContentAsBefore) {
  ASSERT_TRUE(store->commitSubmission(largeSubmission("r-1")).isOk());
  // Its pending delivery must be finished before retention touches the record.
  auto claimed = store->claimDeliveries({"dmp-main", "w", 30s, 1});
  ASSERT_TRUE(claimed.hasValue());
  ASSERT_EQ(claimed->size(), 1u);
  FinishedAttempt done;
  done.deliveryId = (*claimed)[0].id;
  done.leaseId = *(*claimed)[0].leaseId;
  done.next = DeliveryStatus::kDelivered;
  done.startedAt = clock.now();
  done.outcome = AttemptOutcome::kDelivered;
  ASSERT_TRUE(store->finishAttempt(done).isOk());
  clock.advance(48h);
  ASSERT_EQ(*store->purgeRecordContent(clock.now() - 24h, 10), 1);
  auto record = store->getRecord("c-1", "r-1");
  ASSERT_TRUE(record.hasValue()) << record.status().toString();
  EXPECT_EQ(record->body, "");
  EXPECT_EQ(store->listDocuments("c-1", "r-1")->at(0).body, "");
  EXPECT_TRUE(store->listFhirResources("c-1", "r-1")->empty());
  ASSERT_EQ(*store->deleteRecords(clock.now() - 24h, 10), 1);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "tc-ext:ext-r-1").error().code(),
            StatusCode::kNotFound);
}

TEST_P(LeanRows, TheAuditEntryIsStoredWithItsSubmissionAndOnlyWithIt) {
  Submission sub = largeSubmission("r-1");
  sub.audit = NewAuditEntry{"c-1", "POST /api/v1/teleconsultations", "r-1", "201", "req-1", ""};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());

  // The same external id again: refused, and neither its rows nor its audit entry are stored.
  Submission twin = largeSubmission("r-2");
  twin.record->externalId = "ext-r-1";
  twin.audit = NewAuditEntry{"c-1", "POST /api/v1/teleconsultations", "r-2", "201", "req-2", ""};
  EXPECT_EQ(store->commitSubmission(twin).code(), StatusCode::kAlreadyExists);

  auto entries = store->queryAudit({});
  ASSERT_TRUE(entries.hasValue()) << entries.status().toString();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].actor, "c-1");
  EXPECT_EQ((*entries)[0].action, "POST /api/v1/teleconsultations");
  EXPECT_EQ((*entries)[0].target, "r-1");
  EXPECT_EQ((*entries)[0].outcome, "201");
  EXPECT_EQ((*entries)[0].requestId, "req-1");
  EXPECT_EQ((*entries)[0].at, clock.now());
  EXPECT_EQ((*entries)[0].detail, "");

  Submission noActor = largeSubmission("r-3");
  noActor.audit = NewAuditEntry{};
  EXPECT_EQ(store->commitSubmission(noActor).code(), StatusCode::kInvalidArgument);
}

TEST(LeanRowsMigration, RowsWrittenBeforeReadAsTheyWereAndTheIndexesAreNarrowed) {
  TempDir dir;
  const auto db = dir.path() / "gateway.db";
  const std::string body = resourceJson("old-body");
  const std::string json = resourceJson("old-enc");
  {
    // A version-6 database with a record as the previous code wrote it: every value plain text.
    auto raw = rawSession(db);
    raw << std::string(detail::kCreateSchemaMigrations), kw::now;
    for (const detail::Migration& m : detail::migrations()) {
      if (m.version > 6) break;
      for (const detail::MigrationStatement& s : m.statements) {
        const std::string_view sql = s.text(detail::Engine::kSqlite);
        if (!sql.empty()) raw << std::string(sql), kw::now;
      }
      raw << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)",
          kw::bind(Poco::Int64{m.version}), kw::bind(std::string(m.name)), kw::now;
    }
    raw << "INSERT INTO clients (id, name, role, created_at) VALUES ('c-1', 'c', 'editor', 0)",
        kw::now;
    raw << "INSERT INTO records (id, client_id, external_id, created_at, status, request_hash,"
           " body, outcome, practitioner_rpps, encounter_year, practitioner_is_treating)"
           " VALUES ('r-old', 'c-1', 'ext-old', 0, 'accepted', 'h', ?, '{}', '1', 2026, 0)",
        kw::bind(body), kw::now;
    raw << "INSERT INTO documents (id, record_id, client_id, kind, created_at, request_hash, body,"
           " outcome) VALUES ('d-old', 'r-old', 'c-1', 'report', 0, 'h', ?, '{}')",
        kw::bind(body), kw::now;
    raw << "INSERT INTO fhir_resources (record_id, document_id, resource_type, resource_id,"
           " version, json, created_at) VALUES ('r-old', NULL, 'Encounter', 'e-old', 1, ?, 0),"
           " ('r-old', 'd-old', 'DocumentReference', 'dr-old', 1, ?, 0)",
        kw::bind(json), kw::bind(json), kw::now;
    raw << "INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash,"
           " response_status, response_body, created_at, expires_at)"
           " VALUES ('c-1', 'tc-ext:ext-old', 'h', 201, ?, 0, 9000000000000)",
        kw::bind(body), kw::now;
  }
  common::ManualClock clock{testStart()};
  StoreOptions options;
  options.url = "sqlite:" + db.string();
  auto opened = openStore(options, clock);
  ASSERT_TRUE(opened.hasValue()) << opened.status().toString();
  Store& store = **opened;
  EXPECT_EQ(*store.schemaVersion(), latestSqliteSchemaVersion());
  EXPECT_EQ(store.getRecord("c-1", "r-old")->body, body);
  EXPECT_EQ(store.listDocuments("c-1", "r-old")->at(0).body, body);
  EXPECT_EQ(store.listFhirResources("c-1", "r-old")->at(0).json, json);
  EXPECT_EQ(store.listPayloadFhirResources("r-old", std::string("d-old"))->at(1).json, json);
  EXPECT_EQ(store.findIdempotencyEntry("c-1", "tc-ext:ext-old")->responseBody, body);

  // New rows next to the old ones are packed; both kinds read back.
  ASSERT_TRUE(store.commitSubmission(largeSubmission("r-new")).isOk());
  EXPECT_EQ(store.listFhirResources("c-1", "r-new")->at(0).json, resourceJson("r-new-enc"));

  auto raw = rawSession(db);
  std::vector<std::string> indexes;
  raw << "SELECT name || ':' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'"
         " AND tbl_name = 'fhir_resources' ORDER BY name",
      kw::into(indexes), kw::now;
  ASSERT_EQ(indexes.size(), 3u);
  EXPECT_EQ(indexes[0].rfind("fhir_resources_document:", 0), 0u);
  EXPECT_NE(indexes[0].find("WHERE document_id IS NOT NULL"), std::string::npos);
  EXPECT_EQ(indexes[1].rfind("fhir_resources_record_document:", 0), 0u);
  EXPECT_EQ(indexes[2].rfind("sqlite_autoindex_fhir_resources_1:", 0), 0u);

  // Deleting a document finds its resources through the partial index (the cascade's lookup).
  std::vector<Poco::Tuple<Poco::Int64, Poco::Int64, Poco::Int64, std::string>> plan;
  raw << "EXPLAIN QUERY PLAN SELECT rowid FROM fhir_resources WHERE document_id = ?",
      kw::bind(std::string("d-old")), kw::into(plan), kw::now;
  std::string planText;
  for (const auto& p : plan) planText += p.get<3>() + "\n";
  EXPECT_NE(planText.find("fhir_resources_document"), std::string::npos) << planText;
}
