// bdl-1..12 on Bundle, and the agreement of each entry's fullUrl with its resource.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {
namespace {

using rapidjson::Value;

// R4 bundle.html: a fullUrl SHALL NOT disagree with the resource id. Like the reference
// validator, only a RESTful-looking URL ([base/]Type/id) is compared; canonical-style URLs
// and URNs are left alone.
void fullUrlMatchesId(std::string_view url, const Value& resource, const Value* rt,
                      Walker& walker) {
  const Value* id = stringMember(resource, "id");
  if (!id || !rt || url.starts_with("urn:")) return;
  const std::size_t last = url.rfind('/');
  if (last == std::string_view::npos || last == 0) return;
  const std::size_t before = url.rfind('/', last - 1);
  const std::string_view type =
      url.substr(before == std::string_view::npos ? 0 : before + 1,
                 last - (before == std::string_view::npos ? 0 : before + 1));
  if (!walker.catalog().resourceType(type)) return;
  if (type != str(*rt) || url.substr(last + 1) != str(*id)) {
    walker.error("invalid", walker.whereChild("fullUrl"),
                 "fullUrl must end with " + std::string(str(*rt)) + "/" + std::string(str(*id)),
                 "fullUrl ne correspond pas au type et à l'identifiant de la ressource.");
  }
}

}  // namespace

void checkBundle(const Value& bundle, Walker& walker) {
  const Value* typeValue = stringMember(bundle, "type");
  const std::string_view type = typeValue ? str(*typeValue) : "";
  if (member(bundle, "total") && type != "searchset" && type != "history") {
    walker.invariant("bdl-1", walker.where(), "total only when a search or history");
  }
  const bool needsRequest = type == "batch" || type == "transaction" || type == "history";
  const bool needsResponse =
      type == "batch-response" || type == "transaction-response" || type == "history";
  if (type == "document") {
    const Value* id = member(bundle, "identifier");
    if (!id || !id->IsObject() || !member(*id, "system") || !member(*id, "value")) {
      walker.invariant("bdl-9", walker.where(),
                       "A document must have an identifier with a system and a value");
    }
    if (!stringMember(bundle, "timestamp")) {
      walker.invariant("bdl-10", walker.where(), "A document must have a date");
    }
  }
  const Value* entries = member(bundle, "entry");
  if (entries == nullptr || !entries->IsArray()) {
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> fullUrls;  // fullUrl, versionId
  const ScopedPath::Scope entryField = walker.path().withField("entry");
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const Value& e = (*entries)[i];
    if (!e.IsObject()) continue;
    const ScopedPath::Scope at = walker.path().withIndex(i);
    const Value* resource = member(e, "resource");
    const Value* rt =
        resource && resource->IsObject() ? stringMember(*resource, "resourceType") : nullptr;
    if (i == 0 && type == "document" && (!rt || str(*rt) != "Composition")) {
      walker.invariant("bdl-11", walker.where(),
                       "A document must have a Composition as the first resource");
    }
    if (i == 0 && type == "message" && (!rt || str(*rt) != "MessageHeader")) {
      walker.invariant("bdl-12", walker.where(),
                       "A message must have a MessageHeader as the first resource");
    }
    if (member(e, "search") && type != "searchset") {
      walker.invariant("bdl-2", walker.where(), "entry.search only when a search");
    }
    if ((member(e, "request") != nullptr) != needsRequest) {
      walker.invariant(
          "bdl-3", walker.where(),
          "entry.request mandatory for batch/transaction/history, otherwise prohibited");
    }
    if ((member(e, "response") != nullptr) != needsResponse) {
      walker.invariant("bdl-4", walker.where(),
                       "entry.response mandatory for batch-response/transaction-response/history, "
                       "otherwise prohibited");
    }
    if (!resource && !member(e, "request") && !member(e, "response")) {
      walker.invariant("bdl-5", walker.where(),
                       "must be a resource unless there's a request or response");
    }
    const Value* fullUrl = stringMember(e, "fullUrl");
    if (fullUrl == nullptr) continue;
    const std::string_view url = str(*fullUrl);
    if (url.find("/_history/") != std::string_view::npos) {
      walker.invariant("bdl-8", walker.where(), "fullUrl cannot be a version specific reference");
    }
    std::string_view versionId;
    if (resource && resource->IsObject()) {
      const Value* meta = member(*resource, "meta");
      const Value* v = meta && meta->IsObject() ? stringMember(*meta, "versionId") : nullptr;
      if (v) versionId = str(*v);
      fullUrlMatchesId(url, *resource, rt, walker);
    }
    if (type != "history" &&
        std::find(fullUrls.begin(), fullUrls.end(), std::pair{url, versionId}) != fullUrls.end()) {
      walker.invariant("bdl-7", walker.where(),
                       "FullUrl must be unique in a bundle, or else entries with the same fullUrl "
                       "must have different meta.versionId (except in history bundles)");
    }
    fullUrls.emplace_back(url, versionId);
  }
}

}  // namespace fhirgw::fhir::validation
