#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::fhir {

/// Canonical base of the URIs the project defines (code systems, extensions).
inline constexpr std::string_view kProjectCanonicalBase = "https://fhir-gateway.fr/fhir";
/// The code system of rule IDs in OperationOutcome.issue.details.coding.
inline constexpr std::string_view kRuleCodeSystem = "https://fhir-gateway.fr/fhir/CodeSystem/rule";

/// OperationOutcome.issue.severity.
enum class IssueSeverity { kFatal, kError, kWarning, kInformation };

/// FHIR code of a severity ("error").
std::string_view severityCode(IssueSeverity s);

/// One data problem: a severity, a FHIR issue type and a location (after google/fhir).
struct Issue {
  IssueSeverity severity = IssueSeverity::kError;
  std::string code;         ///< FHIR IssueType: required, value, invalid, business-rule, ...
  std::string ruleId;       ///< rule ID (rules.md) or empty
  std::string detailsText;  ///< French text for the end user
  std::string diagnostics;  ///< English text for the developer
  std::string expression;   ///< location, e.g. "encounter.consent.at" or "Patient.birthDate"
};

/// True when at least one issue is fatal or an error.
bool hasErrors(const std::vector<Issue>& issues);

/// Builds an OperationOutcome resource (id-less) from issues; an empty list gives `issue: []`
/// only when allowEmpty, else the single informational "all OK" issue FHIR requires.
rapidjson::Document operationOutcome(const std::vector<Issue>& issues, bool allowEmpty = false);

/// Adds the OperationOutcome of issues into doc's allocator as a value (for embedding).
rapidjson::Value operationOutcomeValue(const std::vector<Issue>& issues,
                                       rapidjson::Document::AllocatorType& alloc,
                                       bool allowEmpty = false);

}  // namespace fhirgw::fhir
