#include "fhirgw/gateway/json_io.hpp"

#include <cctype>
#include <string>
#include <utility>

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

// The body's text, or nullopt once answered (415, 413).
std::optional<std::string> readJsonText(Exchange& ex, std::size_t maxBodyBytes,
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
  return std::move(body).value();
}

}  // namespace

std::optional<common::JsonDocument> readJsonObjectBody(Exchange& ex, std::size_t maxBodyBytes,
                                                       const common::JsonLimits& limits,
                                                       bool acceptFhirJson) {
  const std::optional<std::string> body = readJsonText(ex, maxBodyBytes, acceptFhirJson);
  if (!body) return std::nullopt;
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

std::optional<common::Json> readJsonObjectTree(Exchange& ex, std::size_t maxBodyBytes,
                                               const common::JsonLimits& limits,
                                               bool acceptFhirJson) {
  const std::optional<std::string> body = readJsonText(ex, maxBodyBytes, acceptFhirJson);
  if (!body) return std::nullopt;
  common::JsonError where;
  auto json = common::Json::parse(*body, limits, &where);
  if (!json) {
    ex.sendError(400, "structure", json.error().message(), where.path);
    return std::nullopt;
  }
  if (!json->isObject()) {
    ex.sendError(400, "structure", "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(json).value();
}

}  // namespace fhirgw::gateway
