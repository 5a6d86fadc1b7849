#pragma once

#include <string>
#include <string_view>

#include "fhirgw/common/json.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/testsupport/domain_fixtures.hpp"
#include "fhirgw/testsupport/validator.hpp"

namespace fhirgw::mapping::testing {

/// The mapper's flags from a rule outcome, as the gateway's submission service builds them.
inline MappingFlags flagsOf(const rules::RuleOutcome& outcome) {
  return MappingFlags{outcome.hasErrors(), outcome.insQualified, outcome.notReimbursable,
                      outcome.notReimbursableReasons};
}

/// Every "reference" string value in a JSON document.
std::vector<std::string> references(const rapidjson::Value& v);

/// The resource of type `type` and, optionally, a given position among those of that type.
const MappedResource* findResource(const MappedRecord& r, std::string_view type, int nth = 0);

/// A resource's JSON parsed.
common::JsonDocument parsed(const MappedResource& r);

}  // namespace fhirgw::mapping::testing
