// /admin/v1/storage: encryption at rest (where the values stand by key) and its key rotation.
#include <string>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/gateway/api/admin_api.hpp"
#include "fhirgw/gateway/service/encryption_rotation.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

using common::Json;

Json rotationJson(const EncryptionRotation::Progress& p) {
  Json out = Json::object();
  out.set("state", std::string(EncryptionRotation::stateName(p.state)));
  out.set("resealed", Json::integer(p.resealed));
  out.set("unopened", Json::integer(p.unopened));
  out.set("batches", Json::integer(p.batches));
  if (p.startedAt) out.set("startedAt", common::formatInstantUtc(*p.startedAt));
  if (p.finishedAt) {
    out.set("finishedAt", common::formatInstantUtc(*p.finishedAt));
    out.set("durationUs", Json::integer(p.durationUs));
    out.set("checkpointed", Json::boolean(p.checkpointed));
  }
  if (!p.reason.empty()) out.set("reason", p.reason);
  return out;
}

}  // namespace

void AdminApi::getStorageEncryption(Exchange& ex) {
  const common::KeyRing* ring = rotation_->keyRing();
  auto counts = store_.countSealedValues();
  if (!counts) {
    ex.sendStatus(storeFailure(counts.error(), "sealed values"));
    return;
  }
  Json out = Json::object();
  out.set("enabled", Json::boolean(ring != nullptr));
  if (ring != nullptr) {
    out.set("activeKeyId", std::string(ring->activeKeyId()));
    Json previous = Json::array();
    for (const std::string& id : ring->previousKeyIds()) previous.push(id);
    out.set("previousKeyIds", std::move(previous));
  }
  std::int64_t pending = 0;
  Json columns = Json::array();
  for (const store::SealedColumnCount& c : *counts) {
    Json column = Json::object();
    column.set("table", c.table);
    column.set("column", c.column);
    column.set("values", Json::integer(c.values));
    column.set("activeKey", Json::integer(c.underActiveKey));
    column.set("plain", Json::integer(c.plain));
    Json others = Json::object();
    std::int64_t underOthers = 0;
    for (const auto& [keyId, n] : c.underOtherKeys) {
      others.set(keyId, Json::integer(n));
      underOthers += n;
    }
    column.set("otherKeys", std::move(others));
    pending += c.plain + underOthers;
    columns.push(std::move(column));
  }
  // What a rotation would still seal again (with encryption off nothing is: plain is expected).
  out.set("pending", Json::integer(ring != nullptr ? pending : 0));
  out.set("columns", std::move(columns));
  out.set("rotation", rotationJson(rotation_->progress()));
  ex.send(200, kJson, out.serialize());
}

void AdminApi::rotateStorageKeys(Exchange& ex) {
  if (common::Status started = rotation_->start(); !started.isOk()) {
    ex.sendStatus(started);
    return;
  }
  ex.send(202, kJson, rotationJson(rotation_->progress()).serialize());
}

}  // namespace fhirgw::gateway
