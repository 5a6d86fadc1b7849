#pragma once

// Fixtures of the editor's domain (a valid teleconsultation, fields, dates, JSON bodies) shared by
// the domain, rules and mapping tests, which call them by their testsupport:: names. Header-only:
// a test binary using it links fhirgw::domain.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace fhirgw::testsupport {

inline fhir::Date date(std::string_view s) { return fhir::Date::parse(s).value(); }

inline domain::Field<fhir::Date> dateField(std::string_view s) {
  return {std::string(s), fhir::Date::parse(s)};
}

inline domain::Field<fhir::DateTime> dateTimeField(std::string_view s) {
  return {std::string(s), fhir::DateTime::parse(s)};
}

/// A rule-checked enum field holding a known value.
template <typename E>
domain::Field<E> known(E value) {
  return {std::string(code(value)), value};
}

/// A rule-checked field whose text is outside its list.
template <typename E>
domain::Field<E> unknownText(std::string text) {
  return {std::move(text), std::nullopt};
}

/// A teleconsultation that passes every rule: the full example without its documents (relation
/// `other`, treating physician declared, oriented by them, seen 6 months ago, same département).
inline domain::Teleconsultation validTeleconsultation() {
  domain::Teleconsultation t;
  t.externalId = "LGC-TEST-1";
  domain::Patient& p = t.patient;
  p.ins =
      domain::Ins{"279035121518989", "1.2.250.1.213.1.4.8", known(domain::InsStatus::kQualified)};
  p.family = "DURAND";
  p.given = {"Marie", "Claire"};
  p.birthDate = dateField("1979-03-12");
  p.gender = known(domain::Gender::kFemale);
  p.birthPlaceInsee = "51215";
  p.address = domain::Address{{"12 rue des Lilas"}, "51100", "Reims"};
  domain::Practitioner& pr = t.practitioner;
  pr.rpps = "10003456786";
  pr.family = "MARTIN";
  pr.given = {"Paul"};
  pr.specialty = "general-practice";
  pr.postalCode = "51100";
  pr.relationToPatient = domain::Relation::kOther;
  t.treatingPhysician =
      domain::TreatingPhysician{"10101234564", "LEROY", {"Anne"}, std::nullopt, std::nullopt};
  domain::Encounter& e = t.encounter;
  e.start = dateTimeField("2026-11-20T09:30:00+01:00");
  e.end = dateTimeField("2026-11-20T09:45:00+01:00");
  e.channel = known(domain::Channel::kVideo);
  e.consent = domain::Consent{true, dateTimeField("2026-11-20T09:30:00+01:00")};
  e.orientation = known(domain::Orientation::kTreatingPhysician);
  e.lastInPersonVisit = dateField("2026-05-10");
  e.territorialOrganisation = true;
  domain::Billing b;
  b.act = "TCG";
  b.amount = {"25.00", domain::Decimal::parse("25.00")};
  b.thirdPartyPayment = domain::ThirdPartyPayment::kAmo;
  t.billing = b;
  return t;
}

/// Parses JSON text the way the gateway does (numbers kept as text, remembered as numbers).
inline common::JsonDocument json(std::string_view text) {
  auto doc = common::parseJson(text);
  EXPECT_TRUE(doc.hasValue()) << (doc.hasValue() ? "" : doc.error().toString());
  return std::move(doc).value();
}

}  // namespace fhirgw::testsupport
