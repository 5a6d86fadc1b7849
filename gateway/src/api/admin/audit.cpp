// GET /admin/v1/audit: the audit trail, newest first, paged by a cursor given in a Link header.
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

/// A page's cursor: its last (oldest) entry's id; opaque to clients, which take it from the Link
/// header.
std::optional<std::int64_t> parseAuditCursor(std::string_view text) {
  std::int64_t id = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, id);
  if (text.empty() || ec != std::errc() || stop != end || id < 1) return std::nullopt;
  return id;
}

}  // namespace

void AdminApi::queryAudit(Exchange& ex) {
  store::AuditQuery query;
  QueryParams q(ex.query());
  query.since = q.instant("since");
  if (auto actor = q.text("actor")) query.actor = *actor;
  if (auto action = q.text("action")) query.action = *action;
  if (q.text("after")) {
    // The oldest-first paging of version 0.1: read as nothing, it would answer the first page
    // again and again to a client looping until an empty one.
    q.refuse("after",
             "after is no longer read: the audit trail is newest first, paged by the cursor of "
             "the Link header");
  }
  if (auto cursor = q.text("cursor")) {
    query.beforeId = parseAuditCursor(*cursor);
    if (!query.beforeId) q.refuse("cursor", "cursor must be the one a Link header gave");
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
  // A full page may have a next one (RFC 8288): the same filters, older entries.
  if (!entries->empty() && entries->size() >= std::min(query.limit, store::kMaxAuditPage)) {
    setNextPageLink(ex, std::to_string(entries->back().id));
  }
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
