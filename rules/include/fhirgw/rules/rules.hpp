#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/rules/rule.hpp"

namespace fhirgw::rules {

/// The pathway exceptions of rules.md (parcours de soins coordonné, convention art. 28.6.1.1).
enum class PathwayException {
  kTreatingPhysicianOrReplacement,  ///< 1. the practitioner is the treating physician or replaces
                                    ///< them
  kDirectAccessSpecialty,           ///< 2. gynecology, ophthalmology, psychiatry, pediatrics, ...
  kUnder16,                         ///< 3. the patient is under 16 at the encounter date
  kOrientation,                     ///< 4. emergency, SAS, no or unavailable treating physician
  kNoTreatingPhysicianDeclared,     ///< 4. no treating physician declared
  kResidence,                       ///< 5. EHPAD, ESMS or detention
};

/// The first pathway exception that applies, if any.
std::optional<PathwayException> pathwayException(const domain::Teleconsultation& t);

/// True for the direct-access specialties of the pathway exceptions.
bool isDirectAccessSpecialty(std::string_view specialty);

/// True when the INS may be used (FHIR Patient identifier, DMP, patient's secure messaging):
/// present, status qualified, value and OID valid (ID-INS), traits complete (ID-INS-TRAITS),
/// whatever severities are configured.
bool isInsQualified(const domain::Patient& patient, const RuleConfig& config);

/// TLC-CONSENT: consent obtained and not given after the end of the encounter.
class ConsentRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-VIDEO: the encounter used video.
class VideoRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-PERIOD: the encounter ends after it starts and does not start in the future.
class PeriodRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-PATHWAY: oriented by the treating physician, or a pathway exception applies.
class PathwayRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-KNOWN-PATIENT: seen in person within 12 months, or a pathway exception applies.
class KnownPatientRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-TERRITORY: practitioner and patient in the same territory, or an exception applies.
class TerritoryRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// TLC-ACTIVITY-CAP: the practitioner's yearly tele-activity stays under the cap.
class ActivityCapRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// BILL-MAJORATION: no F, MN or MM majoration with a teleconsultation act.
class MajorationRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// BILL-ACT: the billed act is in the tariff table.
class BillingActRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// BILL-AMOUNT: the billed amount equals the act's tariff.
class BillingAmountRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// ID-INS: the INS has a valid NIR key and an accepted OID.
class InsRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// ID-INS-QUALIFIED: the INS is present and qualified.
class InsQualifiedRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// ID-INS-TRAITS: a qualified INS comes with the full identity traits.
class InsTraitsRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// ID-RPPS: every RPPS has 11 digits and a valid Luhn key.
class RppsRule final : public TeleconsultationRule {
 public:
  const RuleInfo& info() const override;
  common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const override;
};

/// AAT-3-DAYS: sick leave in telemedicine is at most 3 days unless exempt.
class SickLeaveThreeDaysRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// AAT-DURATION-CAP: a sick leave stays within its duration cap (one calendar month for an
/// initial leave, two for a prolongation), unless the exceedance is justified.
class SickLeaveDurationCapRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// AAT-ABROAD: no sick leave from a practitioner who practises mainly abroad.
class SickLeaveAbroadRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// AAT-PERIOD: sick-leave dates are consistent.
class SickLeavePeriodRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// PRESC-ITEMS: a prescription has complete items.
class PrescriptionItemsRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// DOC-CONTENT: the content is valid base64 of its declared type, within the size limit.
class DocumentContentRule final : public DocumentRule {
 public:
  const RuleInfo& info() const override;
  void check(const DocumentContext& ctx, std::vector<Finding>& out) const override;
};

/// Every teleconsultation rule, in the order of rules.md.
const std::vector<std::unique_ptr<TeleconsultationRule>>& teleconsultationRules();
/// Every document rule, in the order of rules.md.
const std::vector<std::unique_ptr<DocumentRule>>& documentRules();
/// The description of a rule by ID, or nullptr.
const RuleInfo* findRule(std::string_view id);
/// Every rule's description, in the order of rules.md.
std::vector<const RuleInfo*> ruleCatalogue();

}  // namespace fhirgw::rules
