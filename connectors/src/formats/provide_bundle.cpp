#include "fhirgw/connectors/formats/provide_bundle.hpp"

#include <map>

#include "fhir_references.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/bundle.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"

namespace fhirgw::connectors {
namespace {

using common::Json;
using detail::ParsedResource;

constexpr std::string_view kMhdProfiles = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/";
constexpr const char* kRfc3986 = "urn:ietf:rfc:3986";

Json profileMeta(std::string_view profile) {
  Json meta = Json::object();
  meta.set("profile",
           Json::array().push(Json::string(std::string(kMhdProfiles) + std::string(profile))));
  return meta;
}

Json identifier(const char* use, std::string value) {
  Json id = Json::object();
  id.set("use", Json::string(use));
  id.set("system", Json::string(kRfc3986));
  id.set("value", Json::string(std::move(value)));
  return id;
}

Json coding(const char* system, const char* code) {
  Json c = Json::object();
  c.set("system", Json::string(system));
  c.set("code", Json::string(code));
  Json codeable = Json::object();
  codeable.set("coding", Json::array().push(std::move(c)));
  return codeable;
}

Json reference(std::string target) {
  Json ref = Json::object();
  ref.set("reference", Json::string(std::move(target)));
  return ref;
}

// The patient as a logical reference by INS (no Patient entry goes to the DMP).
std::optional<Json> insSubject(const std::vector<ParsedResource>& resources) {
  for (const ParsedResource& r : resources) {
    if (r.source->resourceType != "Patient") continue;
    const Json* ids = r.json().find("identifier");
    if (ids == nullptr) continue;
    for (const Json& id : ids->items()) {
      const std::string system = id.stringAt("system");
      if (fhir::fr::insSystemOfUri(system) && !id.stringAt("value").empty()) {
        Json logical = Json::object();
        logical.set("system", Json::string(system));
        logical.set("value", Json::string(id.stringAt("value")));
        Json subject = Json::object();
        subject.set("identifier", std::move(logical));
        return subject;
      }
    }
  }
  return std::nullopt;
}

/// Copies payload resources into a resource's `contained` list with local ids ("c1", ...) and
/// points references at the copies. The list must exist before references into the owner are
/// taken: adding a member would move the others.
class Container {
 public:
  Container(Json& contained, const detail::ResourceIndex& index)
      : contained_(contained), index_(index) {}

  /// Points the Reference object at a contained copy of its target; false when the target is
  /// not in the payload.
  bool contain(Json& ref) {
    const std::string target = ref.stringAt("reference");
    const int i = target.empty() ? -1 : index_.indexOf(target);
    if (i < 0) return false;
    ref.set("reference", Json::string("#" + localId(i)));
    return true;
  }

 private:
  std::string localId(int i) {
    if (auto it = ids_.find(i); it != ids_.end()) return it->second;
    std::string id = "c" + std::to_string(ids_.size() + 1);
    ids_[i] = id;
    Json copy = index_.at(i).json();
    copy.set("id", Json::string(id));
    copy.erase("meta");
    // A role names its practitioner and organization: contain those too; drop the rest.
    common::forEachObject(copy, [&](Json& object) {
      Json* r = object.find("reference");
      if (r == nullptr || !r->isString() || r->text().starts_with("#")) return;
      const int j = index_.indexOf(r->text());
      if (j >= 0 && j != i) {
        *r = Json::string("#" + localId(j));
      } else {
        object.erase("reference");
      }
    });
    contained_.push(std::move(copy));
    return id;
  }

  Json& contained_;
  const detail::ResourceIndex& index_;
  std::map<int, std::string> ids_;
};

/// Rewrites doc, a copy of the DocumentReference dr, for ITI-65; adds the Binaries it needs to
/// `binaries`.
common::Status prepareDocumentReference(const ParsedResource& dr, Json& doc, const Json& subject,
                                        const detail::ResourceIndex& index,
                                        std::vector<std::pair<std::string, Json>>& binaries) {
  const PayloadResource& source = *dr.source;
  doc.erase("id");
  doc.set("meta", profileMeta("IHE.MHD.Minimal.DocumentReference"));

  // uniqueId: XDS needs an OID (at most 64 characters). The mapper's OID is kept; a UUID becomes
  // its 2.25 OID; otherwise one is derived from the document. All stable on retry.
  const Json* master = doc.find("masterIdentifier");
  const std::string current = master == nullptr ? std::string() : master->stringAt("value");
  std::string uniqueId;
  if (current.starts_with("urn:oid:") && current.size() <= 64 + 8) {
    uniqueId = current;
  } else if (current.starts_with("urn:uuid:") && detail::isUuid(current.substr(9))) {
    uniqueId = "urn:oid:" + detail::uuidToOid(current.substr(9));
  } else {
    const std::string seed = source.documentId.value_or(source.resourceId);
    uniqueId =
        "urn:oid:" + detail::uuidToOid(common::deterministicUuid({"mhd-document-uniqueid", seed}));
  }
  doc.set("masterIdentifier", identifier("usual", uniqueId));
  // entryUUID: the document's stable identity (not its fullUrl: servers rewrite those).
  bool hasEntryUuid = false;
  if (const Json* ids = doc.find("identifier")) {
    for (const Json& id : ids->items()) {
      if (id.stringAt("value").starts_with("urn:uuid:")) hasEntryUuid = true;
    }
  }
  if (!hasEntryUuid) {
    if (doc.find("identifier") == nullptr) doc.set("identifier", Json::array());
    doc.find("identifier")
        ->push(identifier("official", detail::identityUri(source.resourceType, source.resourceId)));
  }
  doc.set("status", Json::string("current"));
  doc.set("subject", subject);

  // The recipient cannot resolve references to resources the bundle does not carry.
  if (Json* context = doc.find("context")) {
    context->erase("encounter");
    context->erase("related");
    context->erase("sourcePatientInfo");
    if (context->members().empty()) doc.erase("context");
  }

  // Authors, authenticator and custodian travel as contained resources. Members are erased
  // only once the container is done: erasing moves the members it points into.
  if (doc.find("contained") == nullptr) doc.set("contained", Json::array());
  std::vector<const char*> drop;
  {
    Container container(*doc.find("contained"), index);
    if (Json* authors = doc.find("author")) {
      std::vector<Json> kept;
      for (Json& a : authors->items()) {
        if (container.contain(a)) kept.push_back(std::move(a));
      }
      authors->items() = std::move(kept);
      if (authors->items().empty()) drop.push_back("author");
    }
    for (const char* single : {"authenticator", "custodian"}) {
      if (Json* ref = doc.find(single); ref != nullptr && !container.contain(*ref)) {
        drop.push_back(single);
      }
    }
  }
  if (doc.find("contained")->items().empty()) drop.push_back("contained");
  for (const char* key : drop) doc.erase(key);

  // One content whose attachment points at a Binary entry (MHD: url, never inline data).
  Json* content = doc.find("content");
  if (content == nullptr || content->items().empty()) {
    return common::failedPrecondition("DocumentReference has no content");
  }
  Json first = std::move(content->items().front());
  content->items().clear();
  Json* attachment = first.find("attachment");
  if (attachment == nullptr)
    return common::failedPrecondition("DocumentReference has no attachment");
  const std::string url = attachment->stringAt("url");
  const int binary = url.empty() ? -1 : index.indexOf(url);
  if (binary >= 0 && index.at(binary).source->resourceType == "Binary") {
    const ParsedResource& b = index.at(binary);
    if (attachment->stringAt("contentType").empty()) {
      attachment->set("contentType", Json::string(b.json().stringAt("contentType")));
    }
    attachment->set("url", Json::string(b.fullUrl));
    attachment->erase("data");
    Json copy = b.json();
    copy.erase("id");
    copy.erase("meta");
    binaries.emplace_back(b.fullUrl, std::move(copy));
  } else if (!attachment->stringAt("data").empty()) {
    // Inline data: move it into a Binary of its own.
    const std::string fullUrl =
        "urn:uuid:" + common::deterministicUuid({"mhd-binary", source.resourceId});
    Json b = Json::object();
    b.set("resourceType", Json::string("Binary"));
    b.set("contentType", Json::string(attachment->stringAt("contentType")));
    b.set("data", Json::string(attachment->stringAt("data")));
    binaries.emplace_back(fullUrl, std::move(b));
    attachment->erase("data");
    attachment->set("url", Json::string(fullUrl));
  } else {
    return common::failedPrecondition("DocumentReference attachment has neither a Binary nor data");
  }
  if (attachment->stringAt("contentType").empty()) {
    return common::failedPrecondition("DocumentReference attachment has no contentType");
  }
  content->push(std::move(first));
  return common::Status::ok();
}

// An entry created by the recipient (ITI-65 entries are all POSTed).
fhir::BundleRequest create(std::string type) { return {.method = "POST", .url = std::move(type)}; }

}  // namespace

common::Result<common::Json> buildProvideBundleTree(const DeliveryPayload& payload,
                                                    const ProvideBundleOptions& options) {
  if (options.sourceId.empty()) return common::invalidArgument("mhd: sourceId is empty");
  auto parsed = detail::parsePayload(payload);
  if (!parsed) return parsed.error();
  const std::vector<ParsedResource>& resources = *parsed;
  const detail::ResourceIndex index(resources);

  const auto subject = insSubject(resources);
  if (!subject) {
    return common::failedPrecondition("mhd: the patient has no INS identifier");
  }
  std::vector<std::size_t> documents;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const PayloadResource& r = *resources[i].source;
    if (r.resourceType == "DocumentReference" &&
        (!payload.documentId || r.documentId == payload.documentId)) {
      documents.push_back(i);
    }
  }
  if (documents.empty()) return common::failedPrecondition("mhd: no DocumentReference to send");

  // Work on copies (fullUrl, resource): the payload's trees are shared, and the index keeps
  // pointing at them for contained copies.
  std::vector<std::pair<std::string, Json>> prepared;
  std::vector<std::pair<std::string, Json>> binaries;
  for (std::size_t i : documents) {
    Json doc = resources[i].json();
    if (common::Status s = prepareDocumentReference(resources[i], doc, *subject, index, binaries);
        !s.isOk()) {
      return common::Status(s.code(), "mhd: " + s.message());
    }
    prepared.emplace_back(resources[i].fullUrl, std::move(doc));
  }

  Json list = Json::object();
  list.set("resourceType", Json::string("List"));
  list.set("meta", profileMeta("IHE.MHD.Minimal.SubmissionSet"));
  // The author of the first document, when it is a person, authors the submission set.
  if (const Json* contained = prepared.front().second.find("contained")) {
    for (const Json& c : contained->items()) {
      if (c.stringAt("resourceType") != "Practitioner") continue;
      Json author = c;
      author.set("id", Json::string("author"));
      common::forEachObject(author, [](Json& o) { o.erase("reference"); });
      list.set("contained", Json::array().push(std::move(author)));
      break;
    }
  }
  Json sourceId = Json::object();
  sourceId.set("url", Json::string(std::string(kMhdProfiles) + "ihe-sourceId"));
  Json sourceValue = Json::object();
  sourceValue.set("value", Json::string("urn:oid:" + options.sourceId));
  sourceId.set("valueIdentifier", std::move(sourceValue));
  list.set("extension", Json::array().push(std::move(sourceId)));
  // Derived from the delivery: a retry resends the same submission set.
  const std::string setUniqueId =
      "urn:oid:" +
      detail::uuidToOid(common::deterministicUuid({"mhd-submissionset", payload.deliveryId}));
  const std::string setEntryUuid =
      "urn:uuid:" + common::deterministicUuid({"mhd-submissionset-entry", payload.deliveryId});
  Json ids = Json::array();
  ids.push(identifier("usual", setUniqueId));
  ids.push(identifier("official", setEntryUuid));
  list.set("identifier", std::move(ids));
  list.set("status", Json::string("current"));
  list.set("mode", Json::string("working"));
  list.set("code",
           coding("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "submissionset"));
  list.set("subject", *subject);
  list.set("date", Json::string(common::formatInstantUtc(payload.createdAt)));
  if (list.find("contained") != nullptr) list.set("source", reference("#author"));
  Json listEntries = Json::array();
  for (const auto& [fullUrl, doc] : prepared) {
    Json item = Json::object();
    item.set("item", reference(fullUrl));
    listEntries.push(std::move(item));
  }
  list.set("entry", std::move(listEntries));

  fhir::BundleWriter bundle("transaction");
  bundle.profile(std::string(kMhdMinimalProvideBundle));
  const std::string setFullUrl =
      "urn:uuid:" + common::deterministicUuid({"mhd-submissionset-fullurl", payload.deliveryId});
  bundle.add(setFullUrl, std::move(list), create("List"));
  for (auto& [fullUrl, doc] : prepared) {
    bundle.add(fullUrl, std::move(doc), create("DocumentReference"));
  }
  for (auto& [fullUrl, binary] : binaries) bundle.add(fullUrl, std::move(binary), create("Binary"));
  return bundle.take();
}

common::Result<std::string> buildProvideBundle(const DeliveryPayload& payload,
                                               const ProvideBundleOptions& options) {
  FHIRGW_ASSIGN_OR_RETURN(const Json bundle, buildProvideBundleTree(payload, options));
  return bundle.serialize();
}

}  // namespace fhirgw::connectors
