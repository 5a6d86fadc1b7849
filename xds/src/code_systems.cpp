#include "code_systems.hpp"

#include <array>

namespace fhirgw::xds::detail {
namespace {

struct SystemOid {
  std::string_view system;
  std::string_view oid;
};

// The OIDs of the CI-SIS for the systems of the FHIR mapping (dmp-xds.md §1.6).
constexpr std::array kSystems = {
    SystemOid{kLoinc, "2.16.840.1.113883.6.1"},
    SystemOid{kTreA03, "1.2.250.1.213.1.1.4.1"},
    SystemOid{kTreA05, "1.2.250.1.213.1.1.4.12"},
    SystemOid{kTreA01, "1.2.250.1.213.1.1.4.9"},
    SystemOid{kTreR02, "1.2.250.1.71.4.2.4"},
    SystemOid{kV3Confidentiality, "2.16.840.1.113883.5.25"},
    SystemOid{kIheFormatCode, kIheFormatCodeOid},
};

struct Display {
  std::string_view system;
  std::string_view code;
  std::string_view display;
};

// Displays of the codes the mapper writes without one (TRE tables of the ANS, v3, IHE).
constexpr std::array kDisplays = {
    Display{kTreA03, "10", "Compte rendu"},
    Display{kTreA03, "42", "Prescription"},
    Display{kTreA05, "PRESC-AAT", "Prescription arrêt de travail"},
    Display{kTreA01, "AMBULATOIRE", "Ambulatoire"},
    Display{kTreR02, "SA05", "Centre de santé"},
    Display{kTreR02, "SA07", "Cabinet individuel"},
    Display{kTreR02, "SA08", "Cabinet de groupe"},
    Display{kV3Confidentiality, "N", "Normal"},
    Display{kV3Confidentiality, "R", "Restreint"},
    Display{kV3Confidentiality, "V", "Très restreint"},
    Display{kIheFormatCode, kMimeTypeSufficient, "mimeType Sufficient"},
};

}  // namespace

std::optional<std::string> schemeOid(std::string_view system) {
  if (system.starts_with("urn:oid:") && system.size() > 8) return std::string(system.substr(8));
  for (const SystemOid& s : kSystems) {
    if (s.system == system) return std::string(s.oid);
  }
  return std::nullopt;
}

std::string knownDisplay(std::string_view system, std::string_view code) {
  for (const Display& d : kDisplays) {
    if (d.system == system && d.code == code) return std::string(d.display);
  }
  return {};
}

}  // namespace fhirgw::xds::detail
