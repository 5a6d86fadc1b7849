// Golden cases: tests/data/fhir/<case>/{input.json, expected.fhir.json, expected.outcome.json}.
// input.json is a teleconsultation body; when the case also has record.json, input.json is a
// document posted later to that record (POST .../documents). expected.fhir.json is the Bundle the
// gateway serves (fullUrl base https://gateway.example.fr/fhir); expected.outcome.json the
// OperationOutcome of the parse and rule issues (the single "all OK" information issue when there
// is none, as R4 needs one). Compared as canonical JSON (testsupport/golden_file.hpp, as the API
// and rule goldens); set FHIRGW_UPDATE_GOLDENS=1 to rewrite the expected files after an intended
// change, then review the diff.
#include <gtest/gtest.h>

#include <filesystem>
#include <string_view>

#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/golden_file.hpp"
#include "fhirgw/testsupport/json_text.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "support.hpp"

namespace fhirgw::mapping {
namespace {

namespace fs = std::filesystem;
using testsupport::json;

constexpr const char* kBase = "https://gateway.example.fr/fhir";
constexpr const char* kClient = "editor-golden";

fs::path caseRoot() { return testsupport::sourcePath("tests/data/fhir"); }

using testsupport::JsonValue;
using testsupport::readFile;

void blank(JsonValue& object, std::string_view key) {
  if (JsonValue* v = object.find(key)) *v = JsonValue::string("<generated>");
}

// Blanks the timestamps the mapping generates (Bundle.timestamp, Provenance.recorded,
// AuditEvent.recorded, ChargeItem.enteredDate, DocumentReference.date) so goldens compare the
// rest; with the fixed test clock they are stable anyway.
void blankGeneratedTimestamps(JsonValue& bundle) {
  blank(bundle, "timestamp");
  JsonValue* entries = bundle.find("entry");
  if (entries == nullptr) return;
  for (JsonValue& entry : entries->items) {
    JsonValue* r = entry.find("resource");
    if (r == nullptr) continue;
    const JsonValue* type = r->find("resourceType");
    const std::string_view t = type != nullptr ? std::string_view(type->text) : "";
    if (t == "Provenance" || t == "AuditEvent") blank(*r, "recorded");
    if (t == "ChargeItem") blank(*r, "enteredDate");
    if (t == "DocumentReference") blank(*r, "date");
  }
}

// Compares actual JSON text with the golden file (canonical JSON, generated timestamps blanked),
// or rewrites the golden file when updating, members in the mapper's order.
void compareWithGolden(const std::string& actualText, const fs::path& golden) {
  const testsupport::GoldenFile file{golden, testsupport::MemberOrder::kAsWritten,
                                     blankGeneratedTimestamps};
  if (auto mismatch = testsupport::goldenMismatch(actualText, file)) ADD_FAILURE() << *mismatch;
}

class GoldenFhir : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenFhir, MapsToTheExpectedBundleAndOutcome) {
  const fs::path dir = caseRoot() / GetParam();
  const common::JsonDocument input = json(readFile(dir / "input.json"));
  common::ManualClock clock(testsupport::gatewayTestNow());
  const rules::RuleEngine engine({}, clock, nullptr);
  const FhirMapper mapper(testsupport::gatewayValidator());
  MappingContext ctx{kClient, "rec-" + GetParam(), clock.now(), {}};

  std::vector<fhir::Issue> issues;
  fhir::IssueSink validationErrors;
  common::Result<MappedRecord> mapped = common::internal("not mapped");
  if (fs::exists(dir / "record.json")) {
    const common::JsonDocument recordBody = json(readFile(dir / "record.json"));
    const domain::TeleconsultationParse record = domain::parseTeleconsultation(recordBody);
    ASSERT_FALSE(record.malformed());
    const domain::DocumentParse doc = domain::parseDocument(input);
    ASSERT_FALSE(doc.malformed());
    issues = doc.issues;
    const rules::RuleOutcome outcome = engine.evaluateDocument(record.record, doc.record);
    issues.insert(issues.end(), outcome.issues.begin(), outcome.issues.end());
    ASSERT_FALSE(fhir::hasErrors(issues)) << "golden cases are accepted documents";
    const std::size_t index = record.record.documents.size();
    mapped =
        mapper.mapDocument(record.record, doc.record, "doc-later", index, ctx, validationErrors);
  } else {
    const domain::TeleconsultationParse t = domain::parseTeleconsultation(input);
    ASSERT_FALSE(t.malformed());
    issues = t.issues;
    common::Result<rules::RuleOutcome> outcome = engine.evaluate(t.record);
    ASSERT_TRUE(outcome.hasValue());
    issues.insert(issues.end(), outcome->issues.begin(), outcome->issues.end());
    ASSERT_FALSE(fhir::hasErrors(issues)) << "golden cases are accepted records";
    for (std::size_t i = 0; i < t.record.documents.size(); ++i) {
      ctx.documentIds.push_back("doc-" + std::to_string(i));
    }
    mapped =
        mapper.mapTeleconsultation(t.record, testing::flagsOf(*outcome), ctx, validationErrors);
  }
  for (const fhir::Issue& i : validationErrors.issues()) {
    ADD_FAILURE() << i.expression << ": " << i.diagnostics;
  }
  ASSERT_TRUE(mapped.hasValue()) << mapped.error().toString();
  for (const fhir::Issue& i : mapped->validationIssues) {
    ADD_FAILURE() << "validation " << fhir::severityCode(i.severity) << " " << i.expression << ": "
                  << i.diagnostics;
  }

  const BundleOptions options{fhirBundleId(kClient, ctx.recordId), kBase, clock.now()};
  common::Result<std::string> bundle = makeBundle(mapped->resources, options);
  ASSERT_TRUE(bundle.hasValue());
  // The Bundle as a whole also passes the gateway's validator (bdl-* invariants, fullUrls).
  for (const fhir::Issue& i : mapper.validator().validate(json(*bundle))) {
    ADD_FAILURE() << "bundle " << fhir::severityCode(i.severity) << " " << i.expression << ": "
                  << i.diagnostics;
  }
  compareWithGolden(*bundle, dir / "expected.fhir.json");

  rapidjson::Document outcomeDoc = fhir::operationOutcome(issues);
  compareWithGolden(common::toJsonString(outcomeDoc), dir / "expected.outcome.json");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GoldenFhir, ::testing::ValuesIn(testsupport::goldenCaseNames(caseRoot(), "input.json")),
    [](const auto& param) { return testsupport::goldenTestName(param.param); });

}  // namespace
}  // namespace fhirgw::mapping
