#pragma once

// Rule-test helpers: an in-memory activity history, runners for one rule and summaries of their
// results; the domain's fixtures (validTeleconsultation, fields, dates) are testsupport's
// (domain_fixtures.hpp).

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/fhir/issues.hpp"
#include "fhirgw/rules/activity_history.hpp"
#include "fhirgw/rules/rule.hpp"
#include "fhirgw/testsupport/domain_fixtures.hpp"

namespace fhirgw::rules::testing {

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
inline std::vector<Finding> run(const TeleconsultationRule& rule, const domain::Teleconsultation& t,
                                const RuleConfig& config = {},
                                const ActivityHistory* history = nullptr,
                                common::TimePoint now = testsupport::gatewayTestNow()) {
  std::vector<Finding> out;
  const RuleContext ctx{t, config, fhir::toInstant(now), history};
  const common::Status s = rule.check(ctx, out);
  EXPECT_TRUE(s.isOk()) << s.toString();
  return out;
}

/// Runs one document rule on a document posted on its own (paths relative to its body).
inline std::vector<Finding> runDocument(
    const DocumentRule& rule, const domain::Document& d,
    const domain::Teleconsultation& context = testsupport::validTeleconsultation(),
    const RuleConfig& config = {}, std::string_view basePath = {}) {
  std::vector<Finding> out;
  rule.check(DocumentContext{context, d, basePath, config}, out);
  return out;
}

/// "SEVERITY RULE-ID expression" per issue of an outcome, for compact comparisons.
inline std::vector<std::string> summary(const std::vector<fhir::Issue>& issues) {
  std::vector<std::string> out;
  for (const fhir::Issue& i : issues) {
    out.push_back(std::string(fhir::severityCode(i.severity)) + " " + i.ruleId + " " +
                  i.expression);
  }
  return out;
}

/// The expressions of findings, for compact assertions.
inline std::vector<std::string> paths(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(f.expression);
  return out;
}

}  // namespace fhirgw::rules::testing
