#include "fhirgw/gateway/json_io.hpp"

#include <cctype>
#include <string>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::gateway {
namespace {

bool isJsonContentType(const std::string& contentType, bool acceptFhirJson) {
  const std::string mediaType = contentType.substr(0, contentType.find(';'));
  std::string lower;
  for (char c : mediaType) {
    if (c != ' ' && c != '\t') lower.push_back(static_cast<char>(std::tolower(c)));
  }
  return lower == "application/json" || (acceptFhirJson && lower == "application/fhir+json");
}

}  // namespace

rapidjson::Value jsonString(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::optional<common::JsonDocument> readJsonObjectBody(Exchange& ex, std::size_t maxBodyBytes,
                                                       const common::JsonLimits& limits,
                                                       bool acceptFhirJson) {
  if (!isJsonContentType(ex.header("Content-Type"), acceptFhirJson)) {
    ex.sendError(415, "not-supported",
                 acceptFhirJson ? "Content-Type must be application/fhir+json or application/json"
                                : "Content-Type must be application/json");
    return std::nullopt;
  }
  auto body = ex.readBody(maxBodyBytes);
  if (!body) {
    ex.sendError(413, "too-costly", body.error().message());
    return std::nullopt;
  }
  common::JsonError where;
  auto doc = common::parseJson(*body, limits, &where);
  if (!doc) {
    ex.sendError(400, "structure", doc.error().message(), where.path);
    return std::nullopt;
  }
  if (!doc->root().IsObject()) {
    ex.sendError(400, "structure", "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(doc).value();
}

rapidjson::Value deliveryJson(const store::Delivery& d, rapidjson::Document::AllocatorType& a) {
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("id", jsonString(d.id, a), a);
  v.AddMember("record", jsonString(d.recordId, a), a);
  if (d.documentId) v.AddMember("document", jsonString(*d.documentId, a), a);
  v.AddMember("destination", jsonString(d.destination, a), a);
  if (d.connectorId) v.AddMember("connector", jsonString(*d.connectorId, a), a);
  v.AddMember("status", jsonString(store::deliveryStatusName(d.status), a), a);
  if (d.reason) v.AddMember("reason", jsonString(*d.reason, a), a);
  v.AddMember("attempts", d.attempts, a);
  if (d.lastError) v.AddMember("lastError", jsonString(*d.lastError, a), a);
  if (d.nextAttemptAt) {
    v.AddMember("nextAttemptAt", jsonString(common::formatInstantUtc(*d.nextAttemptAt), a), a);
  }
  if (d.firstAttemptAt) {
    v.AddMember("firstAttemptAt", jsonString(common::formatInstantUtc(*d.firstAttemptAt), a), a);
  }
  v.AddMember("createdAt", jsonString(common::formatInstantUtc(d.createdAt), a), a);
  v.AddMember("updatedAt", jsonString(common::formatInstantUtc(d.updatedAt), a), a);
  return v;
}

}  // namespace fhirgw::gateway
