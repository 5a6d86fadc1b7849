#pragma once

// Fixtures of the editor's domain (a valid teleconsultation, fields, dates, JSON bodies) shared by
// the domain, rules and mapping tests. Header-only: a test binary using it links fhirgw::domain.

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

namespace fhirgw::domain::testing {

/// "Now" of every rule test: the in-process gateway's, 2026-11-22T12:00:00Z, after the example
/// encounters.
inline common::TimePoint testNow() { return fhirgw::testsupport::gatewayTestNow(); }

inline fhir::Date date(std::string_view s) { return fhir::Date::parse(s).value(); }

inline Field<fhir::Date> dateField(std::string_view s) {
  return {std::string(s), fhir::Date::parse(s)};
}

inline Field<fhir::DateTime> dateTimeField(std::string_view s) {
  return {std::string(s), fhir::DateTime::parse(s)};
}

/// A rule-checked enum field holding a known value.
template <typename E>
Field<E> known(E value) {
  return {std::string(code(value)), value};
}

/// A rule-checked field whose text is outside its list.
template <typename E>
Field<E> unknownText(std::string text) {
  return {std::move(text), std::nullopt};
}

/// A teleconsultation that passes every rule: the full example without its documents (relation
/// `other`, treating physician declared, oriented by them, seen 6 months ago, same département).
inline Teleconsultation validTeleconsultation() {
  Teleconsultation t;
  t.externalId = "LGC-TEST-1";
  Patient& p = t.patient;
  p.ins = Ins{"279035121518989", "1.2.250.1.213.1.4.8", known(InsStatus::kQualified)};
  p.family = "DURAND";
  p.given = {"Marie", "Claire"};
  p.birthDate = dateField("1979-03-12");
  p.gender = known(Gender::kFemale);
  p.birthPlaceInsee = "51215";
  p.address = Address{{"12 rue des Lilas"}, "51100", "Reims"};
  Practitioner& pr = t.practitioner;
  pr.rpps = "10003456786";
  pr.family = "MARTIN";
  pr.given = {"Paul"};
  pr.specialty = "general-practice";
  pr.postalCode = "51100";
  pr.relationToPatient = Relation::kOther;
  t.treatingPhysician =
      TreatingPhysician{"10101234564", "LEROY", {"Anne"}, std::nullopt, std::nullopt};
  Encounter& e = t.encounter;
  e.start = dateTimeField("2026-11-20T09:30:00+01:00");
  e.end = dateTimeField("2026-11-20T09:45:00+01:00");
  e.channel = known(Channel::kVideo);
  e.consent = Consent{true, dateTimeField("2026-11-20T09:30:00+01:00")};
  e.orientation = known(Orientation::kTreatingPhysician);
  e.lastInPersonVisit = dateField("2026-05-10");
  e.territorialOrganisation = true;
  Billing b;
  b.act = "TCG";
  b.amount = {"25.00", Decimal::parse("25.00")};
  b.thirdPartyPayment = ThirdPartyPayment::kAmo;
  t.billing = b;
  return t;
}

/// Parses JSON text the way the gateway does (numbers kept as text, remembered as numbers).
inline common::JsonDocument json(std::string_view text) {
  auto doc = common::parseJson(text);
  EXPECT_TRUE(doc.hasValue()) << (doc.hasValue() ? "" : doc.error().toString());
  return std::move(doc).value();
}

using fhirgw::testsupport::readSourceFile;

}  // namespace fhirgw::domain::testing
