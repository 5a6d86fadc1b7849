// /admin/v1/deliveries: watch deliveries and replay dead letters.
#include <rapidjson/document.h>

#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {

void AdminApi::listDeliveries(Exchange& ex) {
  store::DeliveryQuery query;
  QueryParams q(ex.query());
  if (auto status = q.text("status")) {
    query.status = store::parseDeliveryStatus(*status);
    if (!query.status) {
      q.refuse("status", "status must be pending, in-flight, delivered, failed, dead or skipped");
    }
  }
  query.connectorId = q.text("connector");
  query.since = q.instant("since");
  if (auto limit = q.number<std::size_t>("limit", 1, store::kMaxDeliveryPage)) {
    query.limit = *limit;
  }
  if (q.answerRefusal(ex)) return;
  auto deliveries = store_.queryDeliveries(query);
  if (!deliveries) {
    ex.sendStatus(storeFailure(deliveries.error(), "delivery"));
    return;
  }
  rapidjson::Document answer(rapidjson::kArrayType);
  for (const auto& d : *deliveries) {
    answer.PushBack(deliveryView(d, answer.GetAllocator()), answer.GetAllocator());
  }
  ex.sendJson(200, answer);
}

void AdminApi::getDelivery(Exchange& ex) {
  auto delivery = store_.getDelivery(ex.param("id"));
  if (!delivery) {
    ex.sendStatus(storeFailure(delivery.error(), "delivery"));
    return;
  }
  auto attempts = store_.listDeliveryAttempts(delivery->id);
  if (!attempts) {
    ex.sendStatus(storeFailure(attempts.error(), "delivery"));
    return;
  }
  rapidjson::Document answer;
  JsonAllocator& a = answer.GetAllocator();
  rapidjson::Value v = deliveryWithAttemptsView(*delivery, *attempts, a);
  answer.CopyFrom(v, a);
  ex.sendJson(200, answer);
}

void AdminApi::retryDelivery(Exchange& ex) {
  common::Status s = store_.retryDeadDelivery(ex.param("id"));
  if (s.code() == common::StatusCode::kFailedPrecondition) {
    // The delivery is not dead: a conflict with its current state (409 in the table), not a
    // business rule of the request (what the table gives kFailedPrecondition).
    ex.sendStatus(common::aborted("only a dead delivery can be retried"));
    return;
  }
  if (!s.isOk()) {
    ex.sendStatus(storeFailure(s, "delivery", StoreAccess::kWrite));
    return;
  }
  if (deliveriesQueued_) deliveriesQueued_();
  auto delivery = store_.getDelivery(ex.param("id"));
  if (!delivery) {
    ex.sendStatus(storeFailure(delivery.error(), "delivery"));
    return;
  }
  rapidjson::Document answer;
  rapidjson::Value v = deliveryView(*delivery, answer.GetAllocator());
  answer.CopyFrom(v, answer.GetAllocator());
  ex.sendJson(200, answer);
}

void AdminApi::retryDeliveries(Exchange& ex) {
  store::DeadDeliveryFilter filter;
  QueryParams q(ex.query());
  filter.connectorId = q.text("connector");
  filter.recordId = q.text("record");
  filter.since = q.instant("since");
  if (q.answerRefusal(ex)) return;
  auto count = store_.retryDeadDeliveries(filter);
  if (!count) {
    ex.sendStatus(storeFailure(count.error(), "delivery", StoreAccess::kWrite));
    return;
  }
  if (*count > 0 && deliveriesQueued_) deliveriesQueued_();
  rapidjson::Document answer(rapidjson::kObjectType);
  answer.AddMember("retried", *count, answer.GetAllocator());
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
