#pragma once

#include "fhirgw/gateway/exchange.hpp"
#include "fhirgw/store/audit_entry.hpp"

namespace fhirgw::gateway {

/// The audit entry of an API or admin call: the calling client ("anonymous" when none),
/// "METHOD /route", what it acted on (the exchange's target, else its {id}), its answer's status
/// and its request id. Ids, route and status only: never health data.
store::NewAuditEntry requestAuditEntry(const Exchange& ex);

}  // namespace fhirgw::gateway
