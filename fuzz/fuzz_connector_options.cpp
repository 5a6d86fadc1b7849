// libFuzzer target: bytes -> the connector configuration parsers, as the gateway runs them at
// start-up (`connectors` key): the instance parser (id, type, routes, retry, circuitBreaker,
// workers, options), then each instance's type options through its factory's parser (file,
// fhir-rest, mhd). The same bytes also go to every per-type option parser directly.
// Only parsers run: nothing is created (no folder, no curl handle).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/file/file_connector.hpp"
#include "fhirgw/connectors/mhd/mhd_connector.hpp"

namespace {

namespace fc = fhirgw::connectors;

void parseTypeOptions(std::string_view type, std::string_view optionsJson,
                      const std::string& path) {
  if (type == "file") {
    (void)fc::parseFileConnectorOptions(optionsJson, path);
  } else if (type == "fhir-rest") {
    (void)fc::parseFhirRestOptions(optionsJson, path);
  } else if (type == "mhd") {
    (void)fc::parseMhdOptions(optionsJson, path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The `connectors` array of the configuration file.
  if (auto instances = fc::parseConnectorInstances(text)) {
    for (const fc::ConnectorInstanceConfig& instance : *instances) {
      parseTypeOptions(instance.type, instance.optionsJson, instance.path + ".options");
    }
  }

  // The bytes as one type's `options` object.
  for (std::string_view type : {"file", "fhir-rest", "mhd"}) {
    parseTypeOptions(type, text, "connectors[0].options");
  }
  return 0;
}
