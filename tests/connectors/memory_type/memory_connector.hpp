#pragma once

// A connector type that lives only in the tests: one folder (its options, its connector and its
// factory) plus one registry line prove that a new type needs nothing else from the module.

#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::connectors::testsupport {

/// Options of the `memory` type.
struct MemoryConnectorOptions {
  std::string label;  ///< required, non-empty: kept with each delivery
  int failFirst = 0;  ///< the first n attempts fail transiently (0..10)
};

/// What the memory connector received for one delivery.
struct MemoryDelivery {
  std::string label;
  std::string deliveryId;
  std::vector<std::string> resourceTypes;
};

/// Keeps every delivered payload in memory.
class MemoryConnector final : public Connector {
 public:
  explicit MemoryConnector(MemoryConnectorOptions options) : options_(std::move(options)) {}
  std::string_view type() const override { return "memory"; }
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;

  std::vector<MemoryDelivery> delivered() const;

 private:
  const MemoryConnectorOptions options_;
  mutable std::mutex mutex_;
  int attempts_ = 0;
  std::vector<MemoryDelivery> delivered_;
};

/// The `memory` type's factory.
class MemoryConnectorFactory final
    : public TypedConnectorFactory<MemoryConnectorOptions, MemoryConnector> {
 public:
  MemoryConnectorFactory() : TypedConnectorFactory("memory") {}

 protected:
  void readOptions(OptionsReader& reader, MemoryConnectorOptions& out) const override;
  common::Result<std::unique_ptr<MemoryConnector>> createTyped(
      MemoryConnectorOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors::testsupport
