// The ANS schematrons (IHE, minimal structuring N1, TLM-CR) over the CDA documents the builder
// writes, run with Saxon-HE by schematron/run.sh (label integration: one JVM per schematron run,
// about two minutes the first time while the schematrons compile into the build folder, then under
// a minute).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "delivery_fixture.hpp"
#include "fhirgw/xds/cda_builder.hpp"

namespace fhirgw::xds {
namespace {

using testing::DeliveryFixture;

/// The sick-leave notice of the full example.
constexpr std::string_view kSickLeaveText = "1b78336d-49e5-5048-bd4c-0205fefeb449";

void writeCda(std::string_view documentReferenceId, const std::filesystem::path& file) {
  DeliveryFixture fixture("full-example", documentReferenceId);
  auto built = buildClinicalDocuments(fixture.input());
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  ASSERT_EQ(built->size(), 1u);
  std::ofstream(file, std::ios::binary) << built->front().bytes;
}

/// run.sh's exit code over a folder of documents.
int runSchematrons(const std::filesystem::path& documents, const std::string& schematrons) {
  const std::string command = std::string(FHIRGW_SCHEMATRON_SCRIPT) + " '" + FHIRGW_SHARED_DIR +
                              "/reference/ans-cda' '" + FHIRGW_SCHEMATRON_WORK + "/cache' '" +
                              documents.string() + "' " + schematrons;
  const int rc = std::system(command.c_str());  // NOLINT(cert-env33-c): a fixed test command
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(CdaSchematron, EveryKindPassesTheIheAndMinimalStructuringSchematrons) {
  const std::filesystem::path dir = std::filesystem::path(FHIRGW_SCHEMATRON_WORK) / "all";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  writeCda(testing::kReportText, dir / "report.xml");
  writeCda(testing::kPrescriptionPdf, dir / "prescription.xml");
  writeCda(kSickLeaveText, dir / "sick-leave.xml");
  EXPECT_EQ(runSchematrons(dir,
                           "profils/IHE.sch profils/structurationMinimale/"
                           "ASIP-STRUCT-MIN-StrucMin.sch"),
            0)
      << "see the failed assertions above and the SVRL reports in " << dir;
}

TEST(CdaSchematron, TeleconsultationReportPassesTheTlmCrSchematron) {
  const std::filesystem::path dir = std::filesystem::path(FHIRGW_SCHEMATRON_WORK) / "tlm-cr";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  writeCda(testing::kReportText, dir / "report.xml");
  EXPECT_EQ(runSchematrons(dir, "CI-SIS_TLM-CR_2022.01.sch"), 0)
      << "see the failed assertions above and the SVRL reports in " << dir;
}

// The check itself: a document without its setId or the patient's birthplace fails.
TEST(CdaSchematron, MinimalStructuringRejectsAHeaderWithoutSetIdOrBirthplace) {
  const std::filesystem::path dir = std::filesystem::path(FHIRGW_SCHEMATRON_WORK) / "broken";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DeliveryFixture fixture("full-example", testing::kReportText);
  auto built = buildClinicalDocuments(fixture.input());
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  std::string bytes = built->front().bytes;
  for (const std::string element : {"setId", "birthplace"}) {
    const std::size_t from = bytes.find("<" + element);
    const std::size_t to =
        bytes.find('\n', bytes.find(element == "setId" ? "/>" : "</birthplace>", from));
    ASSERT_NE(from, std::string::npos);
    bytes.erase(from, to - from);
  }
  std::ofstream(dir / "report.xml", std::ios::binary) << bytes;
  EXPECT_EQ(runSchematrons(dir, "profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch"), 1);
}

}  // namespace
}  // namespace fhirgw::xds
