#include "fhirgw/xds/xdm_package.hpp"

#include <Poco/Zip/Decompress.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "delivery_fixture.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/xds/metadata_builder.hpp"
#include "sample_metadata.hpp"
#include "schema_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::schemaErrors;
using testing::xpathOne;

/// The entries of a zip, name -> bytes, read back with Poco::Zip.
std::map<std::string, std::string> entries(const std::string& zip) {
  std::map<std::string, std::string> found;
  std::istringstream in(zip);
  Poco::Zip::ZipArchive archive(in);
  for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
    std::istringstream entryIn(zip);
    Poco::Zip::ZipInputStream stream(entryIn, it->second, true);
    found[it->first] = std::string(std::istreambuf_iterator<char>(stream), {});
  }
  return found;
}

std::string pdfBytes() { return "%PDF-1.4\n" + std::string(184, 'x'); }

std::string zipOf(const Metadata& m, const std::vector<std::string>& docs) {
  auto zip = writeXdmZip(m, docs, {.product = "fhir-gateway", .version = "0.1.0", .contact = ""});
  EXPECT_TRUE(zip.hasValue()) << zip.status().toString();
  return zip.hasValue() ? *zip : std::string();
}

// Poco::Zip adds the folders' own entries (IHE_XDM/, IHE_XDM/SUBSET01/) as other zip tools do.
TEST(XdmPackage, ZipHoldsTheFourFilesWithEightThreeNamesAndTheirFolders) {
  const auto files = entries(zipOf(testing::sampleMetadata(), {pdfBytes()}));
  std::vector<std::string> names;
  for (const auto& [name, bytes] : files) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "IHE_XDM/", "IHE_XDM/SUBSET01/", "IHE_XDM/SUBSET01/DOC0001.PDF",
                       "IHE_XDM/SUBSET01/METADATA.XML", "INDEX.HTM", "README.TXT"}));
  EXPECT_EQ(files.at("IHE_XDM/SUBSET01/DOC0001.PDF"), pdfBytes());
  EXPECT_NE(files.at("README.TXT").find("fhir-gateway 0.1.0"), std::string::npos);
  EXPECT_NE(files.at("INDEX.HTM").find("href=\"IHE_XDM/SUBSET01/DOC0001.PDF\""), std::string::npos);
  // The title's markup is escaped in the index too.
  EXPECT_NE(files.at("INDEX.HTM").find("Ordonnance &lt;copie&gt;"), std::string::npos);
}

TEST(XdmPackage, MetadataIsValidAndDescribesTheBytesWritten) {
  Metadata m = testing::sampleMetadata();
  m.documents[0].hash = "stale";
  m.documents[0].size = 1;
  const auto files = entries(zipOf(m, {pdfBytes()}));
  const std::string& xml = files.at("IHE_XDM/SUBSET01/METADATA.XML");
  EXPECT_EQ(schemaErrors(xml), "");
  const std::string slot = "//rim:ExtrinsicObject/rim:Slot[@name='";
  const std::string& doc = files.at("IHE_XDM/SUBSET01/DOC0001.PDF");
  EXPECT_EQ(xpathOne(xml, slot + "hash']//rim:Value"), common::hexEncode(common::sha1(doc)));
  EXPECT_EQ(xpathOne(xml, slot + "size']//rim:Value"), std::to_string(doc.size()));
  EXPECT_EQ(xpathOne(xml, slot + "URI']//rim:Value"), "DOC0001.PDF");
  EXPECT_EQ(xpathOne(xml, "//rim:Slot[@name='intendedRecipient']//rim:Value"),
            "||^^Internet^paul.martin@medecin.mssante.fr");
}

TEST(XdmPackage, SameInputGivesTheSameZip) {
  EXPECT_EQ(zipOf(testing::sampleMetadata(), {pdfBytes()}),
            zipOf(testing::sampleMetadata(), {pdfBytes()}));
}

TEST(XdmPackage, DecompressesToFilesWithPocoDecompress) {
  testsupport::TempDir dir("xds-xdm");
  const std::string zip = zipOf(testing::sampleMetadata(), {pdfBytes()});
  std::istringstream in(zip);
  Poco::Zip::Decompress decompress(in, Poco::Path(dir.str() + "/"));
  decompress.decompressAllFiles();
  EXPECT_EQ(decompress.mapping().size(), 4u);
  EXPECT_EQ(testsupport::readFile(dir.path() / "IHE_XDM/SUBSET01/DOC0001.PDF"), pdfBytes());
  EXPECT_EQ(schemaErrors(testsupport::readFile(dir.path() / "IHE_XDM/SUBSET01/METADATA.XML")), "");
}

TEST(XdmPackage, DeliveryOfTheFullExampleBecomesAnXdmWithTheDocumentItCarries) {
  testing::DeliveryFixture fixture("full-example", testing::kReportText);
  auto built = buildSubmission(fixture.input());
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  const auto files = entries(zipOf(built->metadata, built->documents));
  ASSERT_EQ(files.count("IHE_XDM/SUBSET01/DOC0001.TXT"), 1u);
  EXPECT_EQ(files.at("IHE_XDM/SUBSET01/DOC0001.TXT"), built->documents[0]);
  const std::string& xml = files.at("IHE_XDM/SUBSET01/METADATA.XML");
  EXPECT_EQ(schemaErrors(xml), "");
  EXPECT_EQ(xpathOne(xml, "//rim:ExtrinsicObject/rim:Slot[@name='URI']//rim:Value"), "DOC0001.TXT");
  EXPECT_EQ(xpathOne(xml, "//rim:ExtrinsicObject/@mimeType"), "text/plain");
  EXPECT_EQ(xpathOne(xml,
                     "//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme="
                     "'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']/@value"),
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH");
}

TEST(XdmPackage, DocumentsAreNumberedAndNamedByMimeType) {
  Metadata m = testing::sampleMetadata();
  m.documents.push_back(m.documents[0]);
  m.documents[1].entryUuid = "urn:uuid:3e9d7b7b-5f88-5062-8ea1-8c3a5d4f2034";
  m.documents[1].uniqueId = "2.25.42";
  m.documents[1].mimeType = "text/plain";
  const auto files = entries(zipOf(m, {pdfBytes(), "texte"}));
  EXPECT_EQ(files.at("IHE_XDM/SUBSET01/DOC0002.TXT"), "texte");
  EXPECT_EQ(files.size(), 7u);  // two folders, README, INDEX, METADATA, two documents
}

TEST(XdmPackage, DocumentFileNameIsEightThreeUpperCaseByMimeType) {
  EXPECT_EQ(xdmDocumentFileName(1, "application/pdf"), "DOC0001.PDF");
  EXPECT_EQ(xdmDocumentFileName(12, "text/plain"), "DOC0012.TXT");
  EXPECT_EQ(xdmDocumentFileName(3, "text/xml"), "DOC0003.XML");
  EXPECT_EQ(xdmDocumentFileName(9999, "image/jpeg"), "DOC9999.BIN");
}

TEST(XdmPackage, DocumentCountMustMatchTheEntries) {
  auto zip = writeXdmZip(testing::sampleMetadata(), {});
  ASSERT_FALSE(zip.hasValue());
  EXPECT_EQ(zip.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(zip.error().message(), "xds: 0 documents for 1 document entries");
}

TEST(XdmPackage, InvalidMetadataIsRefusedBeforeAnyZipIsWritten) {
  Metadata m = testing::sampleMetadata();
  m.submissionSet.patientId.clear();
  auto zip = writeXdmZip(m, {pdfBytes()});
  ASSERT_FALSE(zip.hasValue());
  EXPECT_EQ(zip.error().message(), "xds: submissionSet.patientId is missing");
}

}  // namespace
}  // namespace fhirgw::xds
