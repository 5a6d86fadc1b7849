// /admin/v1/practitioners/{rpps}/activity: declared activity for TLC-ACTIVITY-CAP.
#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

#include "admin_body.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;

/// A PUT .../activity body (with the RPPS of the path), or the issues that refuse it.
struct ActivityBody {
  std::optional<std::int64_t> year;
  std::optional<std::int64_t> total;
  /// A derogation of the national commission: the practitioner's own TLC-ACTIVITY-CAP
  /// threshold for that year (absent or null: the configured cap).
  std::optional<std::int64_t> capPercent;
  std::vector<fhir::Issue> issues;
};

ActivityBody readActivity(const std::string& rpps, const common::Json& body) {
  ActivityBody read;
  admin::BodyIssues issues("structure");
  if (!fhir::fr::isValidRpps(rpps)) {
    issues.add(fhir::Issue{
        .severity = fhir::IssueSeverity::kError,
        .code = "value",
        .ruleId = "ID-RPPS",
        .detailsText = "Le numéro RPPS doit compter 11 chiffres avec une clé de Luhn valide.",
        .diagnostics = "the RPPS in the path must be 11 digits with a valid Luhn check digit",
        .expression = "rpps"});
  }
  common::FieldReader r(&body, "", issues);
  read.year = r.integer("year", 2000, 2200, common::Need::kRequired);
  read.total =
      r.integer("totalActs", 0, INT64_MAX, common::Need::kRequired, "a non-negative integer");
  read.capPercent = r.integer("capPercent", 0, 100, common::Need::kNullable,
                              "an integer percent between 0 and 100");
  r.finish();
  read.issues = issues.issues();
  return read;
}

}  // namespace

void AdminApi::putActivity(Exchange& ex) {
  const std::string rpps = ex.param("rpps");
  ex.setTarget(rpps);
  auto doc = admin::readObject(ex);
  if (!doc) return;
  const ActivityBody read = readActivity(rpps, *doc);
  if (!read.issues.empty()) {
    ex.sendOutcome(422, read.issues);
    return;
  }
  const std::optional<int> cap =
      read.capPercent ? std::optional<int>(static_cast<int>(*read.capPercent)) : std::nullopt;
  if (common::Status s =
          store_.upsertPractitionerActivity(rpps, static_cast<int>(*read.year), *read.total, cap);
      !s.isOk()) {
    ex.sendStatus(storeFailure(s, "practitioner", StoreAccess::kWrite));
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
  answer.AddMember("rpps", jsonString(rpps, a), a);
  answer.AddMember("year", *read.year, a);
  answer.AddMember("totalActs", *read.total, a);
  if (cap) {
    answer.AddMember("capPercent", *cap, a);
  } else {
    answer.AddMember("capPercent", Value(rapidjson::kNullType), a);
  }
  ex.sendJson(200, answer);
}

void AdminApi::getActivity(Exchange& ex) {
  const std::string rpps = ex.param("rpps");
  QueryParams q(ex.query());
  if (!q.text("year")) {
    ex.sendError(400, "required", "query parameter year is required", "year");
    return;
  }
  const std::optional<int> year = q.number<int>("year", 1, 9999);
  if (q.answerRefusal(ex)) return;
  auto total = store_.getPractitionerActivity(rpps, *year);
  if (!total) {
    ex.sendStatus(storeFailure(total.error(), "declaration for that practitioner and year"));
    return;
  }
  auto recorded = store_.countTeleconsultations(rpps, *year);
  if (!recorded) {
    ex.sendStatus(storeFailure(recorded.error(), "practitioner"));
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
  answer.AddMember("rpps", jsonString(rpps, a), a);
  answer.AddMember("year", *year, a);
  answer.AddMember("totalActs", *total, a);
  answer.AddMember("teleconsultationsRecorded", *recorded, a);
  auto cap = store_.getPractitionerCapPercent(rpps, *year);
  if (!cap) {
    ex.sendStatus(storeFailure(cap.error(), "practitioner"));
    return;
  }
  if (*cap) {
    answer.AddMember("capPercent", **cap, a);
  } else {
    answer.AddMember("capPercent", Value(rapidjson::kNullType), a);
  }
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
