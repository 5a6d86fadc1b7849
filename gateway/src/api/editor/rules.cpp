// GET /api/v1/rules: the rules in force on a day.
#include "fhirgw/rules/rules.hpp"

#include <rapidjson/document.h>

#include <optional>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/fhir/date_time.hpp"
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/api/views.hpp"

namespace fhirgw::gateway {

using rapidjson::Value;

/// GET /api/v1/rules[?date=YYYY-MM-DD]: the rules in force that day (today, UTC, without a
/// date), built from the engine's own catalogue and configuration so that it cannot drift from
/// what the engine runs. Rules set to `off` are left out: they are not checked.
void EditorApi::ruleCatalogue(Exchange& ex) {
  const rules::RuleEngine& engine = d_.rules;
  std::optional<fhir::Date> day;
  if (const auto it = ex.query().find("date"); it != ex.query().end()) {
    day = fhir::Date::parse(it->second);
    if (!day) {
      ex.sendError(400, "invalid", "date must be a calendar date YYYY-MM-DD");
      return;
    }
  } else {
    day = fhir::utcDate(fhir::toInstant(d_.clock.now()));
  }
  rapidjson::Document doc(rapidjson::kObjectType);
  JsonAllocator& a = doc.GetAllocator();
  doc.AddMember("date", jsonString(day->toString(), a), a);
  Value rules(rapidjson::kArrayType);
  for (const rules::RuleInfo* info : rules::ruleCatalogue()) {
    const rules::RuleSeverity severity = engine.severityOf(info->id);
    if (severity == rules::RuleSeverity::kOff || !engine.inForce(info->id, day)) continue;
    const rules::EffectivePeriod period = engine.config().effectivePeriod(info->id);
    auto optionalDate = [&a](const std::optional<fhir::Date>& d) {
      return d ? jsonString(d->toString(), a) : Value(rapidjson::kNullType);
    };
    Value rule(rapidjson::kObjectType);
    rule.AddMember("id", jsonString(info->id, a), a);
    rule.AddMember("severity", jsonString(rules::code(severity), a), a);
    rule.AddMember("reimbursement", info->reimbursement, a);
    Value effective(rapidjson::kObjectType);
    effective.AddMember("from", optionalDate(period.from), a);
    effective.AddMember("until", optionalDate(period.until), a);
    rule.AddMember("effectivePeriod", effective, a);
    Value description(rapidjson::kObjectType);
    description.AddMember("fr", jsonString(info->descriptionFr, a), a);
    description.AddMember("en", jsonString(info->summary, a), a);
    rule.AddMember("description", description, a);
    Value source(rapidjson::kObjectType);
    source.AddMember("text", jsonString(info->source, a), a);
    source.AddMember("date", optionalDate(fhir::Date::parse(info->sourceDate)), a);
    rule.AddMember("source", source, a);
    rules.PushBack(rule, a);
  }
  doc.AddMember("rules", rules, a);
  ex.sendJson(200, doc);
}

}  // namespace fhirgw::gateway
