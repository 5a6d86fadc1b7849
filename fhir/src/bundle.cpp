#include "fhirgw/fhir/bundle.hpp"

#include <utility>

namespace fhirgw::fhir {

using common::Json;

BundleWriter& BundleWriter::id(std::string id) {
  id_ = std::move(id);
  return *this;
}

BundleWriter& BundleWriter::profile(std::string canonical) {
  profile_ = std::move(canonical);
  return *this;
}

BundleWriter& BundleWriter::timestamp(std::string instant) {
  timestamp_ = std::move(instant);
  return *this;
}

void BundleWriter::add(std::string fullUrl, Json resource) {
  entries_.push(
      Json::object().set("fullUrl", std::move(fullUrl)).set("resource", std::move(resource)));
}

void BundleWriter::add(std::string fullUrl, Json resource, const BundleRequest& request) {
  Json r = Json::object().set("method", request.method).set("url", request.url);
  if (!request.ifNoneExist.empty()) r.set("ifNoneExist", request.ifNoneExist);
  entries_.push(Json::object()
                    .set("fullUrl", std::move(fullUrl))
                    .set("resource", std::move(resource))
                    .set("request", std::move(r)));
}

Json BundleWriter::take() {
  Json bundle = Json::object().set("resourceType", "Bundle");
  if (!id_.empty()) bundle.set("id", std::move(id_));
  if (!profile_.empty())
    bundle.set("meta", Json::object().set("profile", Json::array().push(std::move(profile_))));
  bundle.set("type", std::move(type_));
  if (!timestamp_.empty()) bundle.set("timestamp", std::move(timestamp_));
  if (!entries_.items().empty()) bundle.set("entry", std::exchange(entries_, Json::array()));
  return bundle;
}

}  // namespace fhirgw::fhir
