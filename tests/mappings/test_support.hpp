#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/mappings/activity_history.hpp"
#include "fhirgw/mappings/rule.hpp"
#include "fhirgw/mappings/teleconsultation.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::mappings::testing {

/// "Now" of every rule test: 2026-11-22T12:00:00Z, after the example encounters.
inline common::TimePoint testNow() {
  const auto days = Date::parse("2026-11-22")->daysSinceEpoch();
  return common::TimePoint{std::chrono::hours{days * 24 + 12}};
}

inline Date date(std::string_view s) { return Date::parse(s).value(); }

inline Field<Date> dateField(std::string_view s) { return {std::string(s), Date::parse(s)}; }

inline Field<DateTime> dateTimeField(std::string_view s) {
  return {std::string(s), DateTime::parse(s)};
}

/// A rule-checked enum field holding a known value.
template <typename E>
Field<E> known(E value) {
  return {std::string(code(value)), value};
}

/// A rule-checked field whose text is outside its list.
template <typename E>
Field<E> unknownText(std::string text) {
  return {std::move(text), std::nullopt};
}

/// A teleconsultation that passes every rule: the full example without its documents (relation
/// `other`, treating physician declared, oriented by them, seen 6 months ago, same département).
inline Teleconsultation validTeleconsultation() {
  Teleconsultation t;
  t.externalId = "LGC-TEST-1";
  Patient& p = t.patient;
  p.ins = Ins{"279035121518989", "1.2.250.1.213.1.4.8", known(InsStatus::kQualified)};
  p.family = "DURAND";
  p.given = {"Marie", "Claire"};
  p.birthDate = dateField("1979-03-12");
  p.gender = known(Gender::kFemale);
  p.birthPlaceInsee = "51215";
  p.address = Address{{"12 rue des Lilas"}, "51100", "Reims"};
  Practitioner& pr = t.practitioner;
  pr.rpps = "10003456786";
  pr.family = "MARTIN";
  pr.given = {"Paul"};
  pr.specialty = "general-practice";
  pr.postalCode = "51100";
  pr.relationToPatient = Relation::kOther;
  t.treatingPhysician =
      TreatingPhysician{"10101234564", "LEROY", {"Anne"}, std::nullopt, std::nullopt};
  Encounter& e = t.encounter;
  e.start = dateTimeField("2026-11-20T09:30:00+01:00");
  e.end = dateTimeField("2026-11-20T09:45:00+01:00");
  e.channel = known(Channel::kVideo);
  e.consent = Consent{true, dateTimeField("2026-11-20T09:30:00+01:00")};
  e.orientation = known(Orientation::kTreatingPhysician);
  e.lastInPersonVisit = dateField("2026-05-10");
  e.territorialOrganisation = true;
  Billing b;
  b.act = "TCG";
  b.amount = {"25.00", Decimal::parse("25.00")};
  b.thirdPartyPayment = ThirdPartyPayment::kAmo;
  t.billing = b;
  return t;
}

/// An in-memory activity history: declarations and counts per (rpps, year), or a forced error.
class FakeHistory final : public ActivityHistory {
 public:
  void declare(std::string rpps, int year, std::int64_t totalActs) {
    declared_[{std::move(rpps), year}] = totalActs;
  }
  void setRecorded(std::string rpps, int year, std::int64_t count) {
    recorded_[{std::move(rpps), year}] = count;
  }
  void failWith(common::Status s) { failure_ = std::move(s); }
  void setCap(std::string rpps, int year, int percent) { caps_[{std::move(rpps), year}] = percent; }
  /// Years asked for, in order (to check which calendar year the rule used).
  mutable std::vector<int> yearsAsked;

  common::Result<std::optional<std::int64_t>> declaredTotalActs(std::string_view rpps,
                                                                int year) const override {
    yearsAsked.push_back(year);
    if (!failure_.isOk()) return failure_;
    const auto it = declared_.find({std::string(rpps), year});
    if (it == declared_.end()) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{it->second};
  }
  common::Result<std::int64_t> teleconsultationsRecorded(std::string_view rpps,
                                                         int year) const override {
    if (!failure_.isOk()) return failure_;
    const auto it = recorded_.find({std::string(rpps), year});
    return it == recorded_.end() ? std::int64_t{0} : it->second;
  }
  common::Result<std::optional<int>> capPercent(std::string_view rpps, int year) const override {
    if (!failure_.isOk()) return failure_;
    const auto it = caps_.find({std::string(rpps), year});
    return it == caps_.end() ? std::optional<int>{} : std::optional<int>{it->second};
  }

 private:
  std::map<std::pair<std::string, int>, std::int64_t> declared_;
  std::map<std::pair<std::string, int>, std::int64_t> recorded_;
  std::map<std::pair<std::string, int>, int> caps_;
  common::Status failure_;
};

/// Runs one teleconsultation rule and returns its findings (the check must not fail).
inline std::vector<Finding> run(const TeleconsultationRule& rule, const Teleconsultation& t,
                                const RuleConfig& config = {},
                                const ActivityHistory* history = nullptr,
                                common::TimePoint now = testNow()) {
  std::vector<Finding> out;
  const RuleContext ctx{t, config, toInstant(now), history};
  const common::Status s = rule.check(ctx, out);
  EXPECT_TRUE(s.isOk()) << s.toString();
  return out;
}

/// Runs one document rule on a document posted on its own (paths relative to its body).
inline std::vector<Finding> runDocument(const DocumentRule& rule, const Document& d,
                                        const Teleconsultation& context = validTeleconsultation(),
                                        const RuleConfig& config = {},
                                        std::string_view basePath = {}) {
  std::vector<Finding> out;
  rule.check(DocumentContext{context, d, basePath, config}, out);
  return out;
}

/// The expressions of findings, for compact assertions.
inline std::vector<std::string> paths(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(f.expression);
  return out;
}

/// Parses JSON text the way the gateway does (numbers kept as text, remembered as numbers).
inline common::JsonDocument json(std::string_view text) {
  auto doc = common::parseJson(text);
  EXPECT_TRUE(doc.hasValue()) << (doc.hasValue() ? "" : doc.error().toString());
  return std::move(doc).value();
}

/// Contents of a file under the source tree.
inline std::string readSourceFile(std::string_view relative) {
  const auto path = fhirgw::testsupport::sourcePath(relative);
  EXPECT_TRUE(std::filesystem::exists(path)) << relative;
  return fhirgw::testsupport::readFile(path);
}

}  // namespace fhirgw::mappings::testing
