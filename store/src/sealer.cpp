// Encryption at rest of the columns that can hold health data (sealing on write, opening on
// read), for both engines.

#include "sealer.hpp"

#include <string>

#include "fhirgw/common/key_ring.hpp"
#include "packed_value.hpp"

namespace fhirgw::store::detail {

using common::Status;

std::string Sealer::seal(std::string_view plain, std::string_view context) const {
  if (!ring_) return std::string(plain);
  return ring_->seal(plain, context);
}

std::optional<std::string> Sealer::sealOptional(const std::optional<std::string>& plain,
                                                std::string_view context) const {
  if (!plain) return std::nullopt;
  return seal(*plain, context);
}

StoredValue Sealer::pack(std::string_view plain, std::string_view context) const {
  std::optional<std::string> packed = packValue(plain);
  if (!packed) return {seal(plain, context), false};
  if (!ring_) return {std::move(*packed), true};
  return {ring_->seal(*packed, context), false};
}

Status Sealer::open(std::string& value, std::string_view context) const {
  FHIRGW_RETURN_IF_ERROR(unseal(value, context));
  if (!isPacked(value)) return Status::ok();  // written before packing, or too short to pack
  auto unpacked = unpackValue(value);
  if (!unpacked) {
    const std::string column(context.substr(0, context.find(':')));
    return Status(unpacked.error().code(), unpacked.error().message() + " in " + column);
  }
  value = std::move(unpacked).value();
  return Status::ok();
}

Status Sealer::unseal(std::string& value, std::string_view context) const {
  const auto keyId = common::KeyRing::keyIdOf(value);
  if (!keyId) return Status::ok();  // written before encryption was on
  // The column, not the row id: enough for an operator, and short.
  const std::string column(context.substr(0, context.find(':')));
  if (!ring_) {
    return common::failedPrecondition(
        "store: " + column + ": a value is sealed with key " + std::string(*keyId) +
        " but storage encryption is off (configure storage.encryption with that key)");
  }
  auto opened = ring_->open(value, context);
  if (!opened) {
    return Status(opened.error().code(), "store: " + column + ": " + opened.error().message());
  }
  value = std::move(opened).value();
  return Status::ok();
}

Status Sealer::open(std::optional<std::string>& value, std::string_view context) const {
  if (!value) return Status::ok();
  return open(*value, context);
}

Status Sealer::openRecord(Record& record) const {
  FHIRGW_RETURN_IF_ERROR(open(record.body, sealContext("records", "body", record.id)));
  return open(record.outcome, sealContext("records", "outcome", record.id));
}

Status Sealer::openDocument(Document& document) const {
  FHIRGW_RETURN_IF_ERROR(open(document.body, sealContext("documents", "body", document.id)));
  return open(document.outcome, sealContext("documents", "outcome", document.id));
}

Status Sealer::openFhirResource(FhirResource& resource) const {
  return open(resource.json, sealContext("fhir_resources", "json",
                                         resourceRowId(resource.resourceType, resource.resourceId,
                                                       resource.version)));
}

Status Sealer::openDelivery(Delivery& delivery) const {
  FHIRGW_RETURN_IF_ERROR(open(delivery.target, sealContext("deliveries", "target", delivery.id)));
  return open(delivery.lastError, sealContext("deliveries", "last_error", delivery.id));
}

SealedSubmission sealSubmission(const Sealer& sealer, const Submission& sub) {
  SealedSubmission out;
  const auto add = [&out](StoredValue value) -> StoredValue {
    out.bytes += value.bytes.size();
    return value;
  };
  if (sub.record) {
    out.recordBody =
        add(sealer.pack(sub.record->body, sealContext("records", "body", sub.recordId)));
    out.recordOutcome =
        add(sealer.pack(sub.record->outcome, sealContext("records", "outcome", sub.recordId)));
  }
  for (const NewDocument& d : sub.documents) {
    out.documentBodies.push_back(add(sealer.pack(d.body, sealContext("documents", "body", d.id))));
    out.documentOutcomes.push_back(
        add(sealer.pack(d.outcome, sealContext("documents", "outcome", d.id))));
  }
  for (const NewIdempotencyEntry& e : sub.idempotency) {
    out.idempotencyBodies.push_back(
        add(sealer.pack(e.responseBody, sealContext("idempotency_keys", "response_body",
                                                    idempotencyRowId(sub.clientId, e.key)))));
  }
  for (const NewFhirResource& r : sub.resources) {
    out.resourceJson.push_back(add(
        sealer.pack(r.json, sealContext("fhir_resources", "json",
                                        resourceRowId(r.resourceType, r.resourceId, r.version)))));
  }
  for (const NewDelivery& d : sub.deliveries) {
    out.deliveryTargets.push_back(
        sealer.sealOptional(d.target, sealContext("deliveries", "target", d.id)));
  }
  return out;
}

}  // namespace fhirgw::store::detail
