// SqliteStore: practitioner activity declarations and counts (the ActivityStore role).

#include <optional>
#include <string>

#include "connection.hpp"
#include "row_checks.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

Status SqliteStore::upsertPractitionerActivity(std::string_view rpps, int year,
                                               std::int64_t totalActs,
                                               std::optional<int> capPercent) {
  FHIRGW_RETURN_IF_ERROR(detail::checkActivityDeclaration(rpps, totalActs, capPercent));
  return impl_->write("upsert activity", [&](Session& s) {
    // ON CONFLICT ... DO UPDATE: the same upsert syntax in SQLite (3.24+) and PostgreSQL. The
    // threshold (migration 4) goes with its declaration in the same statement; -1 stands for
    // "none" so that one statement binds plain integers.
    s << "INSERT INTO practitioner_activity (rpps, year, total_acts, cap_percent, updated_at)"
         " VALUES (?, ?, ?, NULLIF(?, -1), ?) ON CONFLICT (rpps, year) DO UPDATE SET"
         " total_acts = excluded.total_acts, cap_percent = excluded.cap_percent,"
         " updated_at = excluded.updated_at",
        kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::bind(Poco::Int64{totalActs}),
        kw::bind(Poco::Int64{capPercent.value_or(-1)}), kw::bind(Poco::Int64{impl_->nowMs()}),
        kw::now;
    return Status::ok();
  });
}

namespace {

constexpr std::string_view kPractitionerActivity =
    "SELECT total_acts FROM practitioner_activity WHERE rpps = ?1 AND year = ?2";

}  // namespace

Result<std::int64_t> SqliteStore::getPractitionerActivity(std::string_view rpps, int year) const {
  // Run for every submission (the activity cap): prepared once per read connection.
  return impl_->readPreparedValue<std::int64_t>(
      "get activity", [&](StatementCache& statements, std::int64_t& total) {
        StatementRun run(statements, kPractitionerActivity);
        run.text(rpps).integer(year);
        if (!run.next()) return common::notFound("no declared activity for that year");
        total = run.columnInteger(0);
        return Status::ok();
      });
}

Result<std::optional<int>> SqliteStore::getPractitionerCapPercent(std::string_view rpps,
                                                                  int year) const {
  return impl_->readValue<std::optional<int>>(
      "get activity cap", [&](Session& s, std::optional<int>& out) {
        Poco::Int64 percent = -1;
        Statement query(s);
        query << "SELECT COALESCE(cap_percent, -1) FROM practitioner_activity WHERE rpps = ? "
                 "AND year = ?",
            kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::into(percent);
        query.execute();
        out = percent < 0 ? std::optional<int>{} : std::optional<int>{static_cast<int>(percent)};
        return Status::ok();
      });
}

Result<std::int64_t> SqliteStore::countTeleconsultations(std::string_view rpps, int year) const {
  return impl_->readValue<std::int64_t>(
      "count teleconsultations", [&](Session& s, std::int64_t& out) {
        Poco::Int64 count = 0;
        // Records deleted by retention are counted in deleted_teleconsultations.
        s << "SELECT (SELECT COUNT(*) FROM records WHERE practitioner_rpps = ?"
             " AND encounter_year = ? AND practitioner_is_treating = 0)"
             " + COALESCE((SELECT count FROM deleted_teleconsultations WHERE rpps = ?"
             " AND year = ?), 0)",
            kw::bind(std::string(rpps)), kw::bind(Poco::Int64{year}), kw::bind(std::string(rpps)),
            kw::bind(Poco::Int64{year}), kw::into(count), kw::now;
        out = count;
        return Status::ok();
      });
}

}  // namespace fhirgw::store
