#pragma once

// The checks R4 attaches to a type beyond what its tables say (invariants, bindings, reference
// shapes), written by hand, one file per concern, and registered by type name in one table
// (kTypeChecks in type_checks.cpp), the way profile checks are registered by canonical URL.

#include <rapidjson/document.h>

#include <span>
#include <string_view>

#include "r4_tables.hpp"

namespace fhirgw::fhir::validation {

class Walker;

/// A check of an object of the type, after its fields were walked (invariants such as per-1).
using ValueCheck = void (*)(const rapidjson::Value& object, Walker& walker);
/// A check that also needs the field holding the object (required bindings, reference targets).
using FieldCheck = void (*)(const r4::FieldDef& field, const rapidjson::Value& object,
                            Walker& walker);

/// What is checked by hand on one type; either function may be null.
struct TypeChecks {
  std::string_view type;  ///< R4 type name: "Period", "Bundle"
  ValueCheck onValue;
  FieldCheck onField;
};

/// Every type with hand-written checks.
std::span<const TypeChecks> typeChecks();

// invariants/extension.cpp
/// ext-1: an extension has either extensions or a value, not both.
void checkExtension(const rapidjson::Value& extension, Walker& walker);

// invariants/period.cpp
/// per-1: start is not after end.
void checkPeriod(const rapidjson::Value& period, Walker& walker);

// invariants/quantity.cpp
/// qty-3 on Age, Count, Distance and Duration: a unit code comes with its system.
void checkCodedQuantity(const rapidjson::Value& quantity, Walker& walker);

// invariants/consent.cpp
/// ppc-1..5.
void checkConsent(const rapidjson::Value& consent, Walker& walker);

// invariants/bundle.cpp
/// bdl-1..12 and the agreement of each entry's fullUrl with its resource.
void checkBundle(const rapidjson::Value& bundle, Walker& walker);

// references.cpp
/// Shape of Reference.reference, its target types, and local references for ref-1.
void checkReference(const r4::FieldDef& field, const rapidjson::Value& reference, Walker& walker);

// bindings.cpp
/// A Coding bound to a required value set.
void checkCodingBinding(const r4::FieldDef& field, const rapidjson::Value& coding, Walker& walker);
/// A CodeableConcept bound to a required value set: one of its codings is in it.
void checkCodeableConceptBinding(const r4::FieldDef& field, const rapidjson::Value& codeableConcept,
                                 Walker& walker);
/// A code, string or uri primitive bound to a required value set.
void checkPrimitiveBinding(const r4::FieldDef& field, r4::Primitive p, std::string_view text,
                           Walker& walker);

}  // namespace fhirgw::fhir::validation
