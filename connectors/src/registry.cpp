#include "fhirgw/connectors/registry.hpp"

#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/file/file_connector.hpp"
#include "fhirgw/connectors/mhd/mhd_connector.hpp"

namespace fhirgw::connectors {

void ConnectorRegistry::add(std::unique_ptr<ConnectorFactory> factory) {
  std::string type(factory->type());
  factories_[std::move(type)] = std::move(factory);
}

const ConnectorFactory* ConnectorRegistry::find(std::string_view type) const {
  const auto it = factories_.find(type);
  return it == factories_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ConnectorRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, factory] : factories_) out.push_back(type);
  return out;
}

common::Result<std::unique_ptr<Connector>> ConnectorRegistry::create(
    const ConnectorInstanceConfig& instance, const ConnectorContext& context) const {
  const ConnectorFactory* factory = find(instance.type);
  if (factory == nullptr) {
    std::string known;
    for (const auto& type : types()) known += (known.empty() ? "" : ", ") + type;
    return common::invalidArgument(instance.path + ".type: unknown connector type \"" +
                                   instance.type + "\" (known: " + known + ")");
  }
  return factory->create(instance, context);
}

void registerAll(ConnectorRegistry& registry) {
  registry.add(makeFileConnectorFactory());
  registry.add(makeFhirRestConnectorFactory());
  registry.add(makeMhdConnectorFactory());
}

}  // namespace fhirgw::connectors
