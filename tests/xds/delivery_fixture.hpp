#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/xds/metadata_builder.hpp"

namespace fhirgw::xds::testing {

/// The resources of a mapping golden (tests/data/fhir/<name>/expected.fhir.json) as a document
/// delivery carries them: every resource but the other documents' DocumentReferences and
/// Binaries, and no AuditEvent.
class DeliveryFixture {
 public:
  DeliveryFixture(std::string_view golden, std::string_view documentReferenceId) {
    auto bundle = common::Json::parse(testsupport::readSourceFile(
        "tests/data/fhir/" + std::string(golden) + "/expected.fhir.json"));
    std::string keptBinary;
    for (const common::Json& entry : bundle->find("entry")->items()) {
      const common::Json& r = *entry.find("resource");
      if (r.stringAt("resourceType") == "DocumentReference" &&
          r.stringAt("id") == documentReferenceId) {
        const std::string url =
            r.find("content")->items().front().find("attachment")->stringAt("url");
        keptBinary = url.substr(url.find('/') + 1);
      }
    }
    for (const common::Json& entry : bundle->find("entry")->items()) {
      common::Json r = *entry.find("resource");
      const std::string type = r.stringAt("resourceType");
      if (type == "AuditEvent") continue;
      if (type == "DocumentReference" && r.stringAt("id") != documentReferenceId) continue;
      if (type == "Binary" && r.stringAt("id") != keptBinary) continue;
      resources.push_back(std::move(r));
    }
  }

  /// The resource of a type (the first), to edit before building.
  common::Json& resource(std::string_view type) {
    for (common::Json& r : resources) {
      if (r.stringAt("resourceType") == type) return r;
    }
    throw std::runtime_error("no " + std::string(type));
  }

  /// Removes every resource of a type.
  void remove(std::string_view type) {
    std::erase_if(resources,
                  [&](const common::Json& r) { return r.stringAt("resourceType") == type; });
  }

  /// The builder's input, texts kept alive by this fixture.
  SubmissionInput input(std::string deliveryId = "delivery-1") {
    texts_.clear();
    for (const common::Json& r : resources) texts_.push_back(r.serialize());
    SubmissionInput in;
    for (const std::string& t : texts_) in.resourcesJson.emplace_back(t);
    in.deliveryId = std::move(deliveryId);
    in.sourceId = "1.2.250.1.999.1";
    in.submissionTime = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} +
                        std::chrono::hours{8} + std::chrono::minutes{50};
    in.intendedRecipients = {"paul.martin@medecin.mssante.fr"};
    return in;
  }

  std::vector<common::Json> resources;

 private:
  std::vector<std::string> texts_;
};

/// The prescription PDF of the full example (and its Binary).
inline constexpr std::string_view kPrescriptionPdf = "3801af37-1bfd-5073-9513-dcfee8dbe2d7";
/// The text report of the full example.
inline constexpr std::string_view kReportText = "619a03de-3f18-5152-9572-fe61b89a936a";

}  // namespace fhirgw::xds::testing
