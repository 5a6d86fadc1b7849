#pragma once

#include "fhirgw/rules/activity_history.hpp"
#include "fhirgw/store/activity_store.hpp"

namespace fhirgw::gateway {

/// TLC-ACTIVITY-CAP's history read from the store: declared yearly acts and recorded
/// teleconsultations.
class StoreActivityHistory final : public rules::ActivityHistory {
 public:
  explicit StoreActivityHistory(const store::ActivityStore& store) : store_(store) {}

  common::Result<std::optional<std::int64_t>> declaredTotalActs(std::string_view rpps,
                                                                int year) const override {
    auto total = store_.getPractitionerActivity(rpps, year);
    if (total) return std::optional<std::int64_t>(*total);
    if (total.error().code() == common::StatusCode::kNotFound) {
      return std::optional<std::int64_t>();
    }
    return total.error();
  }

  common::Result<std::int64_t> teleconsultationsRecorded(std::string_view rpps,
                                                         int year) const override {
    return store_.countTeleconsultations(rpps, year);
  }

  common::Result<std::optional<int>> capPercent(std::string_view rpps, int year) const override {
    return store_.getPractitionerCapPercent(rpps, year);
  }

 private:
  const store::ActivityStore& store_;
};

}  // namespace fhirgw::gateway
