#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/options_reader.hpp"
#include "fhirgw/connectors/registry.hpp"

namespace fhirgw::connectors {

/// The factory of one connector type, written once (as Envoy's FactoryBase): the instance's
/// options are parsed and checked once into `Options` by parseOptions(), then createTyped()
/// builds the connector from them. A type provides only readOptions() and createTyped(); errors
/// name every bad key by its full path (`connectors[0].options.<key>`).
template <class Options, class C>
class TypedConnectorFactory : public ConnectorFactory {
 public:
  std::string_view type() const final { return type_; }

  common::Result<std::unique_ptr<Connector>> create(const ConnectorInstanceConfig& instance,
                                                    const ConnectorContext& context) const final {
    FHIRGW_ASSIGN_OR_RETURN(auto options,
                            parseOptions(instance.optionsJson, instance.path + ".options"));
    auto connector = createTyped(std::move(options), context);
    if (!connector) {
      std::string where = instance.path + ".options";
      if (!creationKey_.empty()) where += "." + creationKey_;
      return common::invalidArgument(where + ": " + connector.error().message());
    }
    return std::unique_ptr<Connector>(std::move(*connector));
  }

  /// The type's options from their JSON text at `path`, checked: every problem together.
  common::Result<Options> parseOptions(std::string_view optionsJson,
                                       const std::string& path) const {
    return connectors::readOptions<Options>(
        optionsJson, path,
        [this](OptionsReader& reader, Options& out) { readOptions(reader, out); });
  }

 protected:
  /// `type` is the registry's name; a failed createTyped() is reported at the options' path, or
  /// at `<options>.<creationKey>` when the failure is about one key (the file type's folder).
  explicit TypedConnectorFactory(std::string type, std::string creationKey = {})
      : type_(std::move(type)), creationKey_(std::move(creationKey)) {}

  /// Reads every key of the type's options into `out`, adding an error per bad key.
  virtual void readOptions(OptionsReader& reader, Options& out) const = 0;
  /// Builds the connector from checked options (opens what it needs: a folder, a TLS client).
  virtual common::Result<std::unique_ptr<C>> createTyped(Options options,
                                                         const ConnectorContext& context) const = 0;

 private:
  std::string type_;
  std::string creationKey_;
};

}  // namespace fhirgw::connectors
