#include "fhirgw/gateway/request_audit.hpp"

#include <string>

namespace fhirgw::gateway {

store::NewAuditEntry requestAuditEntry(const Exchange& ex) {
  store::NewAuditEntry entry;
  entry.actor = ex.clientId().empty() ? "anonymous" : ex.clientId();
  entry.action = ex.method() + " " + ex.route();
  entry.target = ex.target().empty() ? ex.param("id") : ex.target();
  entry.outcome = std::to_string(ex.responseStatus());
  entry.requestId = ex.requestId();
  return entry;
}

}  // namespace fhirgw::gateway
