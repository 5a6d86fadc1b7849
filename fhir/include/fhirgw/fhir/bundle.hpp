#pragma once

// Writing a Bundle: its members and entries in R4 order. Used by the mapping's collection bundle
// and the connectors' transaction and MHD bundles; what goes in each entry stays theirs.

#include <cstddef>
#include <string>
#include <utility>

#include "fhirgw/common/json_tree.hpp"

namespace fhirgw::fhir {

/// Bundle.entry.request: how a transaction applies an entry.
struct BundleRequest {
  std::string method{};       ///< "POST", "PUT"
  std::string url{};          ///< "Patient" (create), "Patient/123" (update)
  std::string ifNoneExist{};  ///< the conditional create's query; empty: none
};

/// A Bundle written in R4 member order (resourceType, id, meta, type, timestamp, entry); a
/// member left empty is absent, and so is `entry` when nothing was added.
class BundleWriter {
 public:
  /// A Bundle of this type ("collection", "transaction").
  explicit BundleWriter(std::string type) : type_(std::move(type)) {}

  /// Bundle.id.
  BundleWriter& id(std::string id);
  /// Bundle.meta.profile (one profile).
  BundleWriter& profile(std::string canonical);
  /// Bundle.timestamp, an instant.
  BundleWriter& timestamp(std::string instant);
  /// Room for n entries.
  void reserve(std::size_t n) { entries_.items().reserve(n); }

  /// Adds an entry {fullUrl, resource}.
  void add(std::string fullUrl, common::Json resource);
  /// Adds a transaction entry {fullUrl, resource, request}.
  void add(std::string fullUrl, common::Json resource, const BundleRequest& request);
  /// How many entries were added.
  std::size_t size() const { return entries_.items().size(); }

  /// The Bundle; call once.
  common::Json take();

 private:
  std::string type_;
  std::string id_;
  std::string profile_;
  std::string timestamp_;
  common::Json entries_ = common::Json::array();
};

}  // namespace fhirgw::fhir
