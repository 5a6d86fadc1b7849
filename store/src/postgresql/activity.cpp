// PostgresStore: practitioner activity declarations and counts (the ActivityStore role).

#include <optional>
#include <string>

#include "postgresql/store_impl.hpp"
#include "row_checks.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

Status PostgresStore::upsertPractitionerActivity(std::string_view rpps, int year,
                                                 std::int64_t totalActs,
                                                 std::optional<int> capPercent) {
  FHIRGW_RETURN_IF_ERROR(detail::checkActivityDeclaration(rpps, totalActs, capPercent));
  if (detail::pg::hasNul(rpps)) return common::invalidArgument("activity: rpps with a NUL");
  return impl_->write("upsert activity", [&](Connection& c) {
    // The same upsert as SQLite's: two instances declaring at once end with one row, the last.
    return c
        .exec("upsert activity",
              "INSERT INTO practitioner_activity (rpps, year, total_acts, cap_percent,"
              " updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (rpps, year) DO UPDATE"
              " SET total_acts = excluded.total_acts, cap_percent = excluded.cap_percent,"
              " updated_at = excluded.updated_at",
              Params()
                  .text(rpps)
                  .integer(year)
                  .integer(totalActs)
                  .optionalInteger(capPercent ? std::optional<std::int64_t>(*capPercent)
                                              : std::nullopt)
                  .integer(impl_->nowMs()))
        .status();
  });
}

Result<std::int64_t> PostgresStore::getPractitionerActivity(std::string_view rpps, int year) const {
  return impl_->readValue<std::int64_t>("get activity", [&](Connection& c, std::int64_t& out) {
    FHIRGW_ASSIGN_OR_RETURN(Rows rows,
                            c.exec("get activity",
                                   "SELECT total_acts FROM practitioner_activity WHERE rpps = $1"
                                   " AND year = $2",
                                   Params().text(rpps).integer(year)));
    if (rows.count() == 0) return common::notFound("no declared activity for that year");
    out = rows.integer(0, 0);
    return Status::ok();
  });
}

Result<std::optional<int>> PostgresStore::getPractitionerCapPercent(std::string_view rpps,
                                                                    int year) const {
  return impl_->readValue<std::optional<int>>(
      "get activity cap", [&](Connection& c, std::optional<int>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("get activity cap",
                              "SELECT cap_percent FROM practitioner_activity WHERE rpps = $1"
                              " AND year = $2",
                              Params().text(rpps).integer(year)));
        if (rows.count() == 0 || rows.isNull(0, 0)) {
          out.reset();
        } else {
          out = static_cast<int>(rows.integer(0, 0));
        }
        return Status::ok();
      });
}

Result<std::int64_t> PostgresStore::countTeleconsultations(std::string_view rpps, int year) const {
  return impl_->readValue<std::int64_t>("count teleconsultations", [&](Connection& c,
                                                                       std::int64_t& out) {
    // Records deleted by retention are counted in deleted_teleconsultations.
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("count teleconsultations",
                          "SELECT (SELECT COUNT(*) FROM records WHERE practitioner_rpps = $1"
                          " AND encounter_year = $2 AND practitioner_is_treating = 0)"
                          " + COALESCE((SELECT count FROM deleted_teleconsultations WHERE rpps = $1"
                          " AND year = $2), 0)",
                          Params().text(rpps).integer(year)));
    out = rows.integer(0, 0);
    return Status::ok();
  });
}

}  // namespace fhirgw::store
