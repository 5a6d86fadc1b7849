// GET /admin/v1/records/{id}: a record's identifiers and metadata (no clinical content).
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"

namespace fhirgw::gateway {

void AdminApi::getRecord(Exchange& ex) {
  QueryParams q(ex.query());
  const std::optional<std::string> client = q.text("client");
  const std::string reference = ex.param("id");
  if (client && client->empty()) q.refuse("client", "client must be an API client id");
  if (!client && reference.starts_with("ext:")) {
    q.refuse("client", "an ext: id is unique per client only: give the client's id as client");
  }
  if (q.answerRefusal(ex)) return;
  auto summary = records_.find(reference, client);
  if (!summary) {
    ex.sendStatus(summary.error());
    return;
  }
  // The audit entry names the record by the gateway's id, an ext: lookup included.
  ex.setTarget(summary->id);
  ex.sendJson(200, recordSummaryView(*summary));
}

}  // namespace fhirgw::gateway
