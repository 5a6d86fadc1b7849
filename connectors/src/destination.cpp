#include "fhirgw/connectors/destination.hpp"

#include <array>
#include <utility>

namespace fhirgw::connectors {
namespace {

constexpr std::array<std::pair<Destination, std::string_view>, 4> kNames = {{
    {Destination::kDmp, "dmp"},
    {Destination::kTreatingPhysician, "treating-physician"},
    {Destination::kPatient, "patient"},
    {Destination::kEncounter, "encounter"},
}};

}  // namespace

std::string_view destinationName(Destination destination) {
  for (const auto& [value, name] : kNames) {
    if (value == destination) return name;
  }
  return "dmp";
}

std::optional<Destination> parseDestination(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace fhirgw::connectors
