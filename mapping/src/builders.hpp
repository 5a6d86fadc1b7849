#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"

// Internal: the resource builders of FhirMapper, one function per resource kind.
namespace fhirgw::mapping {

// Builders leave no element for an absent value: they set and push with setIfPresent() and
// pushIfPresent() (R4 ele-1).
using common::Json;

/// A resource under construction.
struct Built {
  std::string type;
  std::string id;
  Json json;
  std::optional<std::size_t> documentIndex;
  std::optional<std::string> documentId;

  std::string reference() const { return type + "/" + id; }
};

/// The deterministic ids of a record's shared resources, and what every builder reads.
struct RecordScope {
  const domain::Teleconsultation& t;
  const MappingContext& ctx;
  std::string patientId;
  std::string practitionerId;
  std::string roleId;
  std::string organizationId;  ///< empty when the practitioner has no organization
  std::string treatingId;      ///< empty when none is declared or it is the practitioner
  std::string encounterId;
  std::string receivedAt;  ///< ctx.receivedAt as a FHIR instant (formatted once: several use it)

  RecordScope(const domain::Teleconsultation& teleconsultation, const MappingContext& context);
  /// deterministicUuid({clientId, recordId, a, b, c}).
  std::string idOf(std::string_view a, std::string_view b = {}, std::string_view c = {}) const;
  /// The Practitioner who is the patient's treating physician, if known ("Practitioner/id").
  std::string treatingPhysicianReference() const;
};

// Small datatype builders.
/// True when text is a valid FHIR `code`.
bool isFhirCode(std::string_view text);
Json coding(std::string_view system, std::string_view code, std::string_view display = {});
Json codeable(std::string_view system, std::string_view code, std::string_view display = {},
              std::string_view text = {});
Json textConcept(std::string_view text);
Json ref(std::string_view type, std::string_view id);
Json identifier(std::string_view system, std::string_view value);
Json metaProfile(std::string_view profile);
Json period(const fhir::DateTime& start, const fhir::DateTime& end);
/// The display of an NGAP act the gateway knows ("" for the others).
std::string_view ngapDisplay(std::string_view act);

// Record resources (resources.cpp).
Built patient(const RecordScope& s, bool carryIns);
Built practitioner(const RecordScope& s);
Built treatingPhysician(const RecordScope& s);
Built organization(const RecordScope& s);
Built practitionerRole(const RecordScope& s);
Built encounter(const RecordScope& s);
Built consent(const RecordScope& s);
std::vector<Built> chargeItems(const RecordScope& s, const MappingFlags& flags);

// Documents (documents.cpp); each appends its resources.
void mapReport(const RecordScope& s, const domain::Report& r, std::string_view docId,
               std::size_t index, const FhirMapperOptions& options, std::vector<Built>& out);
void mapPrescription(const RecordScope& s, const domain::Prescription& p, std::string_view docId,
                     std::size_t index, std::vector<Built>& out);
void mapSickLeave(const RecordScope& s, const domain::SickLeave& l, std::string_view docId,
                  std::size_t index, std::vector<Built>& out);

// Trail (resources.cpp): who recorded what, when, for which client.
Built provenance(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets);
Built auditEvent(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets);

}  // namespace fhirgw::mapping
