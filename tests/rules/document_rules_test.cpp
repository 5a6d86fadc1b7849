#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::paths;
using testing::runDocument;
using testsupport::dateField;
using testsupport::known;
using testsupport::validTeleconsultation;

domain::SickLeave leave(domain::SickLeaveType type, std::string_view start, std::string_view end,
                        std::optional<std::string_view> ongoing = std::nullopt) {
  domain::SickLeave s;
  s.type = known(type);
  s.start = dateField(start);
  s.end = dateField(end);
  if (ongoing) s.ongoingLeaveStart = dateField(*ongoing);
  return s;
}

domain::Teleconsultation prescribedBy(domain::Relation relation) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.relationToPatient = relation;
  return t;
}

// ---- AAT-3-DAYS ------------------------------------------------------------------------------

TEST(SickLeaveRule, ThreeDaysByNonTreatingPhysicianPasses) {
  EXPECT_THAT(runDocument(SickLeaveThreeDaysRule{},
                          leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-22")),
              IsEmpty());
}

TEST(SickLeaveRule, FourDaysByNonTreatingPhysicianIsRejected) {
  const auto f = runDocument(SickLeaveThreeDaysRule{},
                             leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-23"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "end");
  EXPECT_EQ(f[0].code, "business-rule");
}

TEST(SickLeaveRule, ADentistIsNeverExemptByTheSpecialtyItself) {
  // dentist is a known specialty (editor-api.md) but no sick-leave exception: only the relation
  // to the patient and the justified impossibility count.
  domain::Teleconsultation t = prescribedBy(domain::Relation::kOther);
  t.practitioner.specialty = "dentist";
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{},
                        leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-23"), t)
                .size(),
            1u);
  EXPECT_FALSE(isDirectAccessSpecialty("dentist"));
}

TEST(SickLeaveRule, DaysAreCountedAcrossMonthEndsWithBothEndsIncluded) {
  EXPECT_THAT(runDocument(SickLeaveThreeDaysRule{},
                          leave(domain::SickLeaveType::kInitial, "2028-02-28", "2028-03-01")),
              IsEmpty());
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{},
                        leave(domain::SickLeaveType::kInitial, "2027-02-27", "2027-03-02"))
                .size(),
            1u);
}

TEST(SickLeaveRule, ExemptPrescribersMayGoBeyondThreeDays) {
  for (domain::Relation r :
       {domain::Relation::kTreatingPhysician, domain::Relation::kTreatingPhysicianReplacement,
        domain::Relation::kSamePracticeSameSpecialty, domain::Relation::kReferentMidwife}) {
    EXPECT_THAT(runDocument(SickLeaveThreeDaysRule{},
                            leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-30"),
                            prescribedBy(r)),
                IsEmpty())
        << code(r);
  }
}

TEST(SickLeaveRule, TheExemptRelationSetIsConfigurable) {
  RuleConfig config;
  config.sickLeaveExemptRelations = {domain::Relation::kTreatingPhysician};
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{},
                        leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-30"),
                        prescribedBy(domain::Relation::kSamePracticeSameSpecialty), config)
                .size(),
            1u);
}

TEST(SickLeaveRule, ProlongationKeepingTheLeaveInProgressAtThreeDaysPasses) {
  // Leave in progress since the 20th, prolonged 21st-22nd: 3 days in all.
  EXPECT_THAT(
      runDocument(SickLeaveThreeDaysRule{}, leave(domain::SickLeaveType::kProlongation,
                                                  "2026-11-21", "2026-11-22", "2026-11-20")),
      IsEmpty());
}

TEST(SickLeaveRule, ProlongationBringingTheLeaveToFourDaysIsRejected) {
  const auto f = runDocument(
      SickLeaveThreeDaysRule{},
      leave(domain::SickLeaveType::kProlongation, "2026-11-22", "2026-11-23", "2026-11-20"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "end");
  EXPECT_NE(f[0].diagnostics.find("4 days"), std::string::npos) << f[0].diagnostics;
}

TEST(SickLeaveRule, JustifiedInPersonImpossibilityExemptsAProlongation) {
  domain::SickLeave s =
      leave(domain::SickLeaveType::kProlongation, "2026-11-23", "2026-11-24", "2026-11-20");
  s.inPersonImpossible = domain::InPersonImpossible{true, "patiente alitee"};
  EXPECT_THAT(runDocument(SickLeaveThreeDaysRule{}, s), IsEmpty());
}

TEST(SickLeaveRule, ImpossibilityWithoutJustificationTextDoesNotExempt) {
  domain::SickLeave s =
      leave(domain::SickLeaveType::kProlongation, "2026-11-23", "2026-11-24", "2026-11-20");
  s.inPersonImpossible = domain::InPersonImpossible{true, "  "};
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{}, s).size(), 1u);
  s.inPersonImpossible = domain::InPersonImpossible{false, "patiente alitee"};
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{}, s).size(), 1u);
}

TEST(SickLeaveRule, ImpossibilityDoesNotExemptAnInitialLeave) {
  domain::SickLeave s = leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-23");
  s.inPersonImpossible = domain::InPersonImpossible{true, "patiente alitee"};
  EXPECT_EQ(runDocument(SickLeaveThreeDaysRule{}, s).size(), 1u);
}

TEST(SickLeaveRule, EmbeddedDocumentPathsCarryTheirIndex) {
  const auto f = runDocument(SickLeaveThreeDaysRule{},
                             leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-23"),
                             validTeleconsultation(), {}, "documents[2]");
  EXPECT_THAT(paths(f), ElementsAre("documents[2].end"));
}

// ---- AAT-PERIOD ------------------------------------------------------------------------------

TEST(SickLeavePeriodRule, ConsistentDatesPass) {
  EXPECT_THAT(runDocument(SickLeavePeriodRule{},
                          leave(domain::SickLeaveType::kInitial, "2026-11-20", "2026-11-20")),
              IsEmpty());
  EXPECT_THAT(runDocument(SickLeavePeriodRule{}, leave(domain::SickLeaveType::kProlongation,
                                                       "2026-11-23", "2026-11-24", "2026-11-23")),
              IsEmpty());
}

TEST(SickLeavePeriodRule, EndBeforeStartIsRejected) {
  EXPECT_THAT(paths(runDocument(SickLeavePeriodRule{}, leave(domain::SickLeaveType::kInitial,
                                                             "2026-11-20", "2026-11-19"))),
              ElementsAre("end"));
}

TEST(SickLeavePeriodRule, ProlongationNeedsTheStartOfTheLeaveInProgress) {
  const auto f = runDocument(SickLeavePeriodRule{}, leave(domain::SickLeaveType::kProlongation,
                                                          "2026-11-23", "2026-11-24"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "ongoingLeaveStart");
  EXPECT_EQ(f[0].code, "required");
}

TEST(SickLeavePeriodRule, LeaveInProgressStartingAfterTheProlongationIsRejected) {
  EXPECT_THAT(
      paths(runDocument(SickLeavePeriodRule{}, leave(domain::SickLeaveType::kProlongation,
                                                     "2026-11-23", "2026-11-24", "2026-11-24"))),
      ElementsAre("ongoingLeaveStart"));
}

TEST(SickLeavePeriodRule, MissingOrUnknownTypeAndDatesAreReportedUnderTheRule) {
  domain::SickLeave s;
  s.type = testsupport::unknownText<domain::SickLeaveType>("renewal");
  s.end = dateField("2026-13-01");
  EXPECT_THAT(paths(runDocument(SickLeavePeriodRule{}, s)), ElementsAre("type", "start", "end"));
}

// ---- PRESC-ITEMS -----------------------------------------------------------------------------

domain::PrescriptionItem item(domain::MedicationSystem system, std::optional<std::string> code,
                              std::optional<std::string> display,
                              std::optional<std::string> dosage) {
  domain::PrescriptionItem i;
  i.medication = domain::Medication{known(system), std::move(code), std::move(display)};
  i.dosage = std::move(dosage);
  return i;
}

domain::Prescription prescription(std::vector<domain::PrescriptionItem> items) {
  domain::Prescription p;
  p.itemsPresent = true;
  p.items = std::move(items);
  return p;
}

TEST(PrescriptionItemsRule, CompleteItemsPass) {
  EXPECT_THAT(runDocument(PrescriptionItemsRule{},
                          prescription({item(domain::MedicationSystem::kCip13, "3400935955838",
                                             "PARACETAMOL 1 g", "1 cp x 3 / j"),
                                        item(domain::MedicationSystem::kText, std::nullopt,
                                             "Serum physiologique", "lavage nasal")})),
              IsEmpty());
}

TEST(PrescriptionItemsRule, APrescriptionNeedsAtLeastOneItem) {
  EXPECT_THAT(paths(runDocument(PrescriptionItemsRule{}, prescription({}))), ElementsAre("items"));
  EXPECT_THAT(paths(runDocument(PrescriptionItemsRule{}, domain::Prescription{})),
              ElementsAre("items"));
}

TEST(PrescriptionItemsRule, MissingDosageIsReportedUnderTheRule) {
  const auto f = runDocument(
      PrescriptionItemsRule{},
      prescription({item(domain::MedicationSystem::kUcd, "9000001", "X", "ok"),
                    item(domain::MedicationSystem::kUcd, "9000002", "Y", std::nullopt)}),
      validTeleconsultation(), {}, "documents[1]");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "documents[1].items[1].dosage");
  EXPECT_EQ(f[0].code, "required");
}

TEST(PrescriptionItemsRule, CodedSystemsNeedACodeAndEveryItemADisplay) {
  EXPECT_THAT(paths(runDocument(PrescriptionItemsRule{},
                                prescription({item(domain::MedicationSystem::kCip13, std::nullopt,
                                                   std::nullopt, "1 cp")}))),
              ElementsAre("items[0].medication.code", "items[0].medication.display"));
}

TEST(PrescriptionItemsRule, MissingMedicationOrSystemIsReportedUnderTheRule) {
  domain::PrescriptionItem noMedication;
  noMedication.dosage = "1 cp";
  domain::PrescriptionItem badSystem = item(domain::MedicationSystem::kUcd, "1", "X", "1 cp");
  badSystem.medication->system = testsupport::unknownText<domain::MedicationSystem>("ATC");
  EXPECT_THAT(paths(runDocument(PrescriptionItemsRule{}, prescription({noMedication, badSystem}))),
              ElementsAre("items[0].medication", "items[1].medication.system"));
}

// ---- DOC-CONTENT -----------------------------------------------------------------------------

domain::Content content(domain::ContentType type, const std::string& bytes) {
  domain::Content c;
  c.contentType = known(type);
  c.data = common::base64Encode(bytes);
  c.bytes = bytes;
  return c;
}

domain::Report report(std::optional<domain::Content> c) {
  domain::Report r;
  r.title = "CR";
  r.content = std::move(c);
  return r;
}

TEST(DocumentContentRule, PdfAndUtf8TextPass) {
  EXPECT_THAT(runDocument(DocumentContentRule{},
                          report(content(domain::ContentType::kPdf, "%PDF-1.4\n..."))),
              IsEmpty());
  EXPECT_THAT(runDocument(DocumentContentRule{}, report(content(domain::ContentType::kTextPlain,
                                                                "Compte rendu \xC3\xA9t\xC3\xA9"))),
              IsEmpty());
}

TEST(DocumentContentRule, BadBase64IsRejected) {
  domain::Content c = content(domain::ContentType::kPdf, "%PDF-1.4");
  c.data = "JVBERi0x@@==";
  c.bytes.reset();  // what the parser leaves when decoding fails
  const auto f = runDocument(DocumentContentRule{}, report(c));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "content.data");
  EXPECT_EQ(f[0].code, "value");
}

TEST(DocumentContentRule, PdfNotStartingWithTheMagicIsRejected) {
  EXPECT_EQ(runDocument(DocumentContentRule{}, report(content(domain::ContentType::kPdf, "<html>")))
                .size(),
            1u);
  EXPECT_EQ(
      runDocument(DocumentContentRule{}, report(content(domain::ContentType::kPdf, "%PDF"))).size(),
      1u);
}

TEST(DocumentContentRule, TextThatIsNotUtf8IsRejected) {
  for (const char* bad : {"caf\xE9", "\xC3", "\xED\xA0\x80", "\xC0\xAF", "\xF5\x80\x80\x80"}) {
    EXPECT_EQ(
        runDocument(DocumentContentRule{}, report(content(domain::ContentType::kTextPlain, bad)))
            .size(),
        1u);
  }
}

TEST(DocumentContentRule, ContentAtTheLimitPassesAndOneByteMoreIsRejected) {
  RuleConfig config;
  config.maxDocumentBytes = 16;
  const std::string atLimit = "%PDF-" + std::string(11, 'x');
  EXPECT_THAT(
      runDocument(DocumentContentRule{}, report(content(domain::ContentType::kPdf, atLimit)),
                  validTeleconsultation(), config),
      IsEmpty());
  const auto f =
      runDocument(DocumentContentRule{}, report(content(domain::ContentType::kPdf, atLimit + "x")),
                  validTeleconsultation(), config);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "too-long");
}

TEST(DocumentContentRule, UnknownOrMissingTypeAndEmptyDataAreRejected) {
  domain::Content c = content(domain::ContentType::kPdf, "%PDF-1.4");
  c.contentType = testsupport::unknownText<domain::ContentType>("image/png");
  EXPECT_THAT(paths(runDocument(DocumentContentRule{}, report(c))),
              ElementsAre("content.contentType"));
  c.contentType = {};
  EXPECT_EQ(runDocument(DocumentContentRule{}, report(c)).at(0).code, "required");
  EXPECT_EQ(
      runDocument(DocumentContentRule{}, report(content(domain::ContentType::kPdf, ""))).size(),
      1u);
}

TEST(DocumentContentRule, AReportNeedsContentButAPrescriptionPdfIsOptional) {
  EXPECT_THAT(paths(runDocument(DocumentContentRule{}, report(std::nullopt))),
              ElementsAre("content"));
  domain::Prescription p = prescription({});
  EXPECT_THAT(runDocument(DocumentContentRule{}, p), IsEmpty());
  p.content = content(domain::ContentType::kPdf, "not a pdf");
  EXPECT_THAT(paths(runDocument(DocumentContentRule{}, p)), ElementsAre("content.data"));
}

}  // namespace
}  // namespace fhirgw::rules
