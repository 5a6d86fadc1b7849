// /admin/v1/deliveries: watch deliveries, replay dead letters, re-route queued ones.
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin_body.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/connectors/destination.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/api/query_params.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

/// A POST /admin/v1/deliveries/reroute body, or the issues that refuse it.
struct RerouteBody {
  store::RerouteRequest request;
  std::vector<fhir::Issue> issues;
};

std::optional<store::DeliveryStatus> queuedStatus(const common::Json& value) {
  if (!value.isString()) return std::nullopt;
  const auto status = store::parseDeliveryStatus(value.text());
  if (status != store::DeliveryStatus::kPending && status != store::DeliveryStatus::kFailed &&
      status != store::DeliveryStatus::kDead) {
    return std::nullopt;
  }
  return status;
}

RerouteBody readReroute(const common::Json& body,
                        const std::function<bool(std::string_view)>& connectorRunning) {
  RerouteBody read;
  admin::BodyIssues issues("structure");
  common::FieldReader r(&body, "", issues);
  const auto from = r.string("from", common::Need::kRequired, "a connector instance id");
  const auto to = r.string("to", common::Need::kRequired, "a connector instance id");
  if (auto statuses =
          r.array<store::DeliveryStatus>("status", "an array of pending, failed or dead",
                                         "pending, failed or dead", queuedStatus)) {
    if (statuses->empty()) r.error("status", "status must list pending, failed or dead");
    read.request.statuses = std::move(*statuses);
  }
  read.request.since = r.leaf<common::TimePoint>(
      "since", common::JsonKind::kString, "an instant in UTC such as 2026-11-20T08:30:00Z",
      common::Need::kOptional, common::Shown::kValue,
      [](std::string_view text) { return parseUtcInstant(std::string(text)); });
  if (auto destination = r.leaf<connectors::Destination>(
          "destination", common::JsonKind::kString, "dmp, treating-physician, patient or encounter",
          common::Need::kOptional, common::Shown::kValue, connectors::parseDestination)) {
    read.request.destination = std::string(connectors::destinationName(*destination));
  }
  r.finish();
  if (from && from->empty()) r.error("from", "from must be a connector instance id");
  if (from && to && *from == *to) {
    r.error("to", "to must be another connector instance than from");
  } else if (to && (!connectorRunning || !connectorRunning(*to))) {
    r.error("to", "to must be a running connector instance");
  }
  read.request.fromConnectorId = from.value_or("");
  read.request.toConnectorId = to.value_or("");
  read.issues = issues.issues();
  return read;
}

/// A page's cursor: its last row's change time in milliseconds since the epoch and its id
/// ("1795176000000_9f0c..."); opaque to clients, which take it from the Link header.
std::string deliveryCursorText(const store::Delivery& last) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(last.updatedAt.time_since_epoch());
  return std::to_string(ms.count()) + "_" + last.id;
}

std::optional<store::DeliveryCursor> parseDeliveryCursor(std::string_view text) {
  const auto sep = text.find('_');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == text.size()) return std::nullopt;
  std::int64_t ms = 0;
  const char* end = text.data() + sep;
  const auto [stop, ec] = std::from_chars(text.data(), end, ms);
  // Up to the year 5000: a forged value cannot overflow the clock's nanoseconds.
  constexpr std::int64_t kMaxMs = 95'617'584'000'000;
  if (ec != std::errc() || stop != end || ms < 0 || ms > kMaxMs) return std::nullopt;
  return store::DeliveryCursor{common::TimePoint(std::chrono::milliseconds(ms)),
                               std::string(text.substr(sep + 1))};
}

}  // namespace

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
  query.recordId = q.text("record");
  query.since = q.instant("since");
  if (auto limit = q.number<std::size_t>("limit", 1, store::kMaxDeliveryPage)) {
    query.limit = *limit;
  }
  if (auto cursor = q.text("cursor")) {
    query.after = parseDeliveryCursor(*cursor);
    if (!query.after) q.refuse("cursor", "cursor must be the one a Link header gave");
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
  // A full page may have a next one (RFC 8288): the same filters, resuming after its last row.
  if (!deliveries->empty() &&
      deliveries->size() >= std::min(query.limit, store::kMaxDeliveryPage)) {
    setNextPageLink(ex, deliveryCursorText(deliveries->back()));
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
  if (s.code() == common::StatusCode::kAborted) {
    // Retention purged the record's content: the store's message says so (no health data).
    ex.sendStatus(s);
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
  const bool dryRun = q.flag("dryRun");
  if (q.answerRefusal(ex)) return;
  if (dryRun) {
    // How many the same call would retry, changing nothing (a confirmation's count): the audit
    // entry's target says it was only that.
    ex.setTarget("dry-run");
    auto matching = store_.countRetriableDeadDeliveries(filter);
    if (!matching) {
      ex.sendStatus(storeFailure(matching.error(), "delivery"));
      return;
    }
    rapidjson::Document answer(rapidjson::kObjectType);
    answer.AddMember("wouldRetry", *matching, answer.GetAllocator());
    ex.sendJson(200, answer);
    return;
  }
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

void AdminApi::rerouteDeliveries(Exchange& ex) {
  auto doc = admin::readObject(ex);
  if (!doc) return;
  const RerouteBody read = readReroute(*doc, connectorRunning_);
  // The audit entry names both instances (ids, never content).
  ex.setTarget(read.request.fromConnectorId + "->" + read.request.toConnectorId);
  if (!read.issues.empty()) {
    ex.sendOutcome(422, read.issues);
    return;
  }
  auto count = store_.rerouteDeliveries(read.request);
  if (!count) {
    ex.sendStatus(storeFailure(count.error(), "delivery", StoreAccess::kWrite));
    return;
  }
  if (*count > 0 && deliveriesQueued_) deliveriesQueued_();
  rapidjson::Document answer(rapidjson::kObjectType);
  answer.AddMember("rerouted", *count, answer.GetAllocator());
  ex.sendJson(200, answer);
}

}  // namespace fhirgw::gateway
