// GET /admin/v1/audit: the audit trail, paged by id.
#include <rapidjson/document.h>

#include <limits>

#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {

void AdminApi::queryAudit(Exchange& ex) {
  store::AuditQuery query;
  QueryParams q(ex.query());
  query.since = q.instant("since");
  if (auto actor = q.text("actor")) query.actor = *actor;
  if (auto action = q.text("action")) query.action = *action;
  if (auto after = q.number<std::int64_t>("after", 0, std::numeric_limits<std::int64_t>::max())) {
    query.afterId = *after;
  }
  if (auto limit = q.number<std::size_t>("limit", 1, store::kMaxAuditPage)) query.limit = *limit;
  if (q.answerRefusal(ex)) return;
  auto entries = store_.queryAudit(query);
  if (!entries) {
    ex.sendStatus(storeFailure(entries.error(), "audit"));
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& e : *entries) {
    answer.PushBack(auditEntryView(e, answer.GetAllocator()), answer.GetAllocator());
  }
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
