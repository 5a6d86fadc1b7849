#pragma once

#include "binding.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/gateway/config.hpp"

namespace fhirgw::gateway::detail {

/// The schema, the only list of configuration keys: reads every key of `root` into `config`
/// (whose initialisers are the defaults). Errors go to the reader's policy, and those of whole
/// sections checked elsewhere (connectors) to `binding`.
void bindSchema(common::FieldReader& root, Binding& binding, GatewayConfig& config);

}  // namespace fhirgw::gateway::detail
