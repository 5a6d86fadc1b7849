#include "fhirgw/connectors/destination.hpp"

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::connectors {
namespace {

constexpr common::CodeTable<Destination, 4> kDestinationNames{{{
    {Destination::kDmp, "dmp"},
    {Destination::kTreatingPhysician, "treating-physician"},
    {Destination::kPatient, "patient"},
    {Destination::kEncounter, "encounter"},
}}};

}  // namespace

std::string_view destinationName(Destination destination) {
  return kDestinationNames.code(destination);
}

std::optional<Destination> parseDestination(std::string_view text) {
  return kDestinationNames.parse(text);
}

}  // namespace fhirgw::connectors
