#pragma once

#include <rapidjson/document.h>

#include <string_view>
#include <vector>

#include "fhirgw/fhir/issues.hpp"

namespace fhirgw::fhir {

/// Canonical base of the URIs the project defines (code systems, extensions).
inline constexpr std::string_view kProjectCanonicalBase = "https://fhir-gateway.fr/fhir";
/// The code system of rule IDs in OperationOutcome.issue.details.coding.
inline constexpr std::string_view kRuleCodeSystem = "https://fhir-gateway.fr/fhir/CodeSystem/rule";

/// Builds an OperationOutcome resource (id-less) from issues; an empty list gives `issue: []`
/// only when allowEmpty, else the single informational "all OK" issue FHIR requires.
rapidjson::Document operationOutcome(const std::vector<Issue>& issues, bool allowEmpty = false);

/// Adds the OperationOutcome of issues into doc's allocator as a value (for embedding).
rapidjson::Value operationOutcomeValue(const std::vector<Issue>& issues,
                                       rapidjson::Document::AllocatorType& alloc,
                                       bool allowEmpty = false);

}  // namespace fhirgw::fhir
