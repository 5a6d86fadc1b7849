#include "fhirgw/connectors/registry.hpp"

#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/connectors/dmp_xds/dmp_xds_connector.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/file/file_connector.hpp"
#include "fhirgw/connectors/mhd/mhd_connector.hpp"
#include "fhirgw/connectors/mssante/mssante_connector.hpp"

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
  registry.add<FileConnectorFactory>();
  registry.add<FhirRestConnectorFactory>();
  registry.add<MhdConnectorFactory>();
  registry.add<MssanteConnectorFactory>();
  registry.add<DmpXdsConnectorFactory>();
}

common::Result<std::vector<ConnectorInstance>> createConnectors(
    const ConnectorRegistry& registry, const std::vector<ConnectorInstanceConfig>& configs,
    const ConnectorContext& context) {
  std::vector<ConnectorInstance> out;
  std::vector<std::string> errors;
  for (const ConnectorInstanceConfig& config : configs) {
    auto connector = registry.create(config, context);
    if (!connector) {
      errors.push_back(connector.error().message());
      continue;
    }
    out.push_back({config, std::shared_ptr<Connector>(std::move(*connector))});
  }
  FHIRGW_RETURN_IF_ERROR(common::invalidArgumentOf(errors));
  return out;
}

std::vector<ConnectorRoute> routesOf(const std::vector<ConnectorInstance>& instances) {
  std::vector<ConnectorRoute> out;
  out.reserve(instances.size());
  for (const ConnectorInstance& i : instances) {
    std::shared_ptr<const Connector> connector = i.connector;
    out.push_back(
        {i.config.id, i.connector->addressing(), i.config.routes, i.config.enabled,
         [connector](std::string_view target) { return connector->acceptsTarget(target); },
         [connector](std::string_view kind) { return connector->acceptsDocumentKind(kind); }});
  }
  return out;
}

}  // namespace fhirgw::connectors
