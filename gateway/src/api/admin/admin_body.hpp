#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/issues.hpp"
#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway::admin {

/// Reads a small JSON object body (64 KiB at most); answers 415 / 413 / 400 itself.
std::optional<common::Json> readObject(Exchange& ex);

/// How the admin bodies word what common::FieldReader finds, one `error` issue each (answered
/// 422): "<key> must be <expected>" (value), "<key> is required" (required), "unknown field"
/// with the code the endpoint gives it; error() keeps the caller's sentence (value).
class BodyIssues : public common::FieldPolicy {
 public:
  /// `unknownCode`: the issue code of an unknown member (the endpoints differ).
  explicit BodyIssues(std::string unknownCode) : unknownCode_(std::move(unknownCode)) {}

  void wrongValue(const std::string& path, std::string_view expected, const common::FieldValue& got,
                  common::Shown shown) override;
  void missing(const std::string& path) override;
  void unknownKey(const std::string& path, std::string_view key) override;
  void duplicateKey(const std::string& path) override;
  void error(const std::string& path, std::string_view message) override;

  /// Adds an issue found outside the body (a path parameter).
  void add(fhir::Issue issue) { issues_.push_back(std::move(issue)); }
  const std::vector<fhir::Issue>& issues() const { return issues_; }

 private:
  void push(std::string code, const std::string& path, std::string diagnostics);

  std::string unknownCode_;
  std::vector<fhir::Issue> issues_;
};

}  // namespace fhirgw::gateway::admin
