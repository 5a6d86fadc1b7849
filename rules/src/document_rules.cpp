// Document rules: sick-leave notices (AAT-*), prescriptions (PRESC-ITEMS), contents (DOC-CONTENT).
#include <algorithm>
#include <cstdint>

#include "fhirgw/rules/rules.hpp"
#include "findings.hpp"

namespace fhirgw::rules {
namespace {

using detail::finding;
using detail::missingField;
using domain::indexPath;
using domain::isBlank;
using domain::joinPath;

constexpr std::string_view kSickLeaveSource =
    "Code de la santé publique, art. L.6316-1 al. 3, modifié par la LFSS 2024 (art. 65) ; fiche "
    "ameli « TCG - Téléconsultation »";

bool isValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Overlong forms, surrogates and values above U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

void checkContent(const domain::Content& c, const std::string& path, const RuleConfig& config,
                  std::vector<Finding>& out) {
  const std::string typePath = joinPath(path, "contentType");
  const std::string dataPath = joinPath(path, "data");
  if (!c.contentType.present()) {
    out.push_back(missingField(typePath, "Le type du contenu est obligatoire."));
  } else if (!c.contentType.valid()) {
    out.push_back(finding(
        "value", typePath,
        "Type de contenu non accepté (" + domain::kContentTypeCodes.join(", ", " ou ") + ").",
        "contentType '" + *c.contentType.text + "' is not " +
            domain::kContentTypeCodes.join(", ", " or ")));
  }
  if (!c.data) {
    out.push_back(missingField(dataPath, "Le contenu du document (base64) est obligatoire."));
    return;
  }
  if (!c.bytes) {
    out.push_back(finding("value", dataPath,
                          "Le contenu n'est pas un base64 valide (RFC 4648, avec remplissage, "
                          "sans retour à la ligne).",
                          "data is not strict base64 (RFC 4648 alphabet, padding, no "
                          "whitespace)"));
    return;
  }
  if (c.bytes->empty()) {
    out.push_back(finding("value", dataPath, "Le contenu du document est vide.", "data is empty"));
    return;
  }
  if (c.bytes->size() > config.maxDocumentBytes) {
    out.push_back(finding("too-long", dataPath,
                          "Le document dépasse la taille maximale acceptée (" +
                              std::to_string(config.maxDocumentBytes) + " octets).",
                          "decoded content is " + std::to_string(c.bytes->size()) +
                              " bytes, over the limit of " +
                              std::to_string(config.maxDocumentBytes)));
    return;
  }
  if (c.contentType.value == domain::ContentType::kPdf && c.bytes->rfind("%PDF-", 0) != 0) {
    out.push_back(finding("value", dataPath, "Le contenu déclaré PDF ne commence pas par %PDF-.",
                          "content declared application/pdf does not start with %PDF-"));
  } else if (c.contentType.value == domain::ContentType::kTextPlain && !isValidUtf8(*c.bytes)) {
    out.push_back(finding("value", dataPath,
                          "Le contenu déclaré text/plain n'est pas un texte UTF-8 valide.",
                          "content declared text/plain is not valid UTF-8"));
  }
}

}  // namespace

// ---- AAT-3-DAYS ------------------------------------------------------------------------------

const RuleInfo& SickLeaveThreeDaysRule::info() const {
  static const RuleInfo kInfo{"AAT-3-DAYS",
                              RuleSeverity::kError,
                              kSickLeaveSource,
                              "sick leave prescribed or renewed in telemedicine is at most 3 "
                              "days, the leave in progress included, unless prescribed by the "
                              "treating physician (or assimilated), the referent midwife, or "
                              "when an in-person visit is justified impossible",
                              false,
                              "2024-01-01",
                              "Un arrêt de travail prescrit ou renouvelé en téléconsultation est "
                              "limité à 3 jours, sauf médecin traitant (ou assimilé), sage-femme "
                              "référente ou impossibilité justifiée de consulter en présentiel.",
                              "2024-01-01"};
  return kInfo;
}

void SickLeaveThreeDaysRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  const auto* leave = std::get_if<domain::SickLeave>(&ctx.document);
  if (leave == nullptr) return;
  const auto& exempt = ctx.config.sickLeaveExemptRelations;
  const domain::Relation rel = ctx.teleconsultation.practitioner.relationToPatient;
  if (std::find(exempt.begin(), exempt.end(), rel) != exempt.end()) return;
  const bool prolongation = leave->type.value == domain::SickLeaveType::kProlongation;
  if (prolongation && leave->inPersonImpossible && leave->inPersonImpossible->justified == true &&
      leave->inPersonImpossible->justification &&
      !isBlank(*leave->inPersonImpossible->justification)) {
    return;
  }
  if (!leave->start.valid() || !leave->end.valid()) return;  // AAT-PERIOD reports them
  const std::string endPath = joinPath(ctx.basePath, "end");
  const std::int64_t days = inclusiveDayCount(*leave->start.value, *leave->end.value);
  if (days > 3) {
    out.push_back(finding("business-rule", endPath,
                          "Un arrêt de travail prescrit en téléconsultation est limité à 3 jours "
                          "(ici " +
                              std::to_string(days) +
                              " jours) lorsque le prescripteur n'est pas le médecin traitant.",
                          "sick leave of " + std::to_string(days) +
                              " days exceeds 3 days for a prescriber who is not the treating "
                              "physician"));
    return;
  }
  if (prolongation && leave->ongoingLeaveStart.valid()) {
    const std::int64_t total =
        inclusiveDayCount(*leave->ongoingLeaveStart.value, *leave->end.value);
    if (total > 3) {
      out.push_back(finding("business-rule", endPath,
                            "En téléconsultation, une prolongation ne peut pas porter l'arrêt en "
                            "cours au-delà de 3 jours (ici " +
                                std::to_string(total) +
                                " jours depuis le début de l'arrêt), sauf impossibilité justifiée "
                                "de consulter en présentiel.",
                            "prolongation brings the leave in progress to " +
                                std::to_string(total) +
                                " days, over 3, without a justified in-person impossibility"));
    }
  }
}

// ---- AAT-PERIOD ------------------------------------------------------------------------------

const RuleInfo& SickLeavePeriodRule::info() const {
  static const RuleInfo kInfo{"AAT-PERIOD",
                              RuleSeverity::kError,
                              kSickLeaveSource,
                              "end is not before start; a prolongation has an ongoingLeaveStart "
                              "not after start",
                              false,
                              "",
                              "Les dates de l'arrêt sont cohérentes : fin non antérieure au début "
                              "; une prolongation indique le début de l'arrêt en cours.",
                              "2024-01-01"};
  return kInfo;
}

void SickLeavePeriodRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  const auto* leave = std::get_if<domain::SickLeave>(&ctx.document);
  if (leave == nullptr) return;
  const std::string typePath = joinPath(ctx.basePath, "type");
  if (!leave->type.present()) {
    out.push_back(missingField(typePath, "Le type d'arrêt (" +
                                             domain::kSickLeaveTypeCodes.join(", ", " ou ") +
                                             ") est obligatoire."));
  } else if (!leave->type.valid()) {
    out.push_back(finding(
        "value", typePath,
        "Type d'arrêt non reconnu (" + domain::kSickLeaveTypeCodes.join(", ", " ou ") + ").",
        "'" + *leave->type.text + "' is not " + domain::kSickLeaveTypeCodes.join(", ", " or ")));
  }
  for (const auto& [field, name] :
       {std::pair{&leave->start, "start"}, std::pair{&leave->end, "end"}}) {
    const std::string path = joinPath(ctx.basePath, name);
    if (!field->present()) {
      out.push_back(missingField(path,
                                 "Les dates de début et de fin de l'arrêt sont "
                                 "obligatoires."));
    } else if (!field->valid()) {
      out.push_back(finding("value", path, "Date invalide (attendu : AAAA-MM-JJ).",
                            path + " is not a YYYY-MM-DD date"));
    }
  }
  if (leave->start.valid() && leave->end.valid() && *leave->end.value < *leave->start.value) {
    out.push_back(finding("business-rule", joinPath(ctx.basePath, "end"),
                          "La fin de l'arrêt est antérieure à son début.", "end is before start"));
  }
  const std::string ongoingPath = joinPath(ctx.basePath, "ongoingLeaveStart");
  const domain::Field<fhir::Date>& ongoing = leave->ongoingLeaveStart;
  if (ongoing.present() && !ongoing.valid()) {
    out.push_back(finding("value", ongoingPath, "Date invalide (attendu : AAAA-MM-JJ).",
                          "ongoingLeaveStart is not a YYYY-MM-DD date"));
  } else if (leave->type.value == domain::SickLeaveType::kProlongation) {
    if (!ongoing.present()) {
      out.push_back(missingField(ongoingPath,
                                 "Une prolongation doit indiquer le premier jour de l'arrêt en "
                                 "cours (ongoingLeaveStart)."));
    } else if (leave->start.valid() && *ongoing.value > *leave->start.value) {
      out.push_back(finding("business-rule", ongoingPath,
                            "Le début de l'arrêt en cours ne peut pas être postérieur au début "
                            "de la prolongation.",
                            "ongoingLeaveStart is after start"));
    }
  }
}

// ---- PRESC-ITEMS -----------------------------------------------------------------------------

const RuleInfo& PrescriptionItemsRule::info() const {
  static const RuleInfo kInfo{
      "PRESC-ITEMS",
      RuleSeverity::kError,
      "Ordonnance électronique (e-prescription obligatoire depuis 2025) : "
      "contenu minimal de chaque ligne",
      "a prescription has at least one item; each has a medication "
      "(code unless system is text, and a display) and a dosage",
      false,
      "",
      "Une ordonnance comporte au moins une ligne complète (médicament et posologie).",
      ""};
  return kInfo;
}

void PrescriptionItemsRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  const auto* presc = std::get_if<domain::Prescription>(&ctx.document);
  if (presc == nullptr) return;
  const std::string itemsPath = joinPath(ctx.basePath, "items");
  if (!presc->itemsPresent) {
    out.push_back(missingField(itemsPath, "Une ordonnance doit comporter au moins une ligne."));
    return;
  }
  if (presc->items.empty()) {
    out.push_back(finding("required", itemsPath,
                          "Une ordonnance doit comporter au moins une ligne.",
                          "items is empty: a prescription needs at least one item"));
    return;
  }
  for (std::size_t i = 0; i < presc->items.size(); ++i) {
    const domain::PrescriptionItem& item = presc->items[i];
    const std::string base = indexPath(itemsPath, i);
    const std::string medPath = joinPath(base, "medication");
    if (!item.medication) {
      out.push_back(missingField(medPath, "Le médicament prescrit est obligatoire."));
    } else {
      const domain::Medication& m = *item.medication;
      const std::string systemPath = joinPath(medPath, "system");
      if (!m.system.present()) {
        out.push_back(
            missingField(systemPath, "Le système de codage du médicament est obligatoire (" +
                                         domain::kMedicationSystemCodes.join(", ", " ou ") + ")."));
      } else if (!m.system.valid()) {
        out.push_back(finding("value", systemPath,
                              "Système de codage non reconnu (" +
                                  domain::kMedicationSystemCodes.join(", ", " ou ") + ").",
                              "'" + *m.system.text + "' is not " +
                                  domain::kMedicationSystemCodes.join(", ", " or ")));
      } else if (*m.system.value != domain::MedicationSystem::kText &&
                 (!m.code || isBlank(*m.code))) {
        out.push_back(missingField(joinPath(medPath, "code"),
                                   "Le code du médicament est obligatoire pour ce système."));
      }
      if (!m.display || isBlank(*m.display)) {
        out.push_back(missingField(joinPath(medPath, "display"),
                                   "Le libellé du médicament est obligatoire."));
      }
    }
    if (!item.dosage || isBlank(*item.dosage)) {
      out.push_back(missingField(joinPath(base, "dosage"), "La posologie est obligatoire."));
    }
  }
}

// ---- DOC-CONTENT -----------------------------------------------------------------------------

const RuleInfo& DocumentContentRule::info() const {
  static const RuleInfo kInfo{
      "DOC-CONTENT",
      RuleSeverity::kError,
      "Contrôle de la passerelle : documents lisibles par le DMP, la "
      "messagerie sécurisée et les destinataires",
      "content.data is valid base64 of the declared type (a PDF starts "
      "with %PDF-), within the configured size",
      false,
      "",
      "Le contenu du document est un base64 valide du type déclaré, dans la taille permise.",
      ""};
  return kInfo;
}

void DocumentContentRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  const std::string path = joinPath(ctx.basePath, "content");
  if (const auto* report = std::get_if<domain::Report>(&ctx.document)) {
    if (!report->content) {
      out.push_back(missingField(path, "Le contenu du compte rendu est obligatoire."));
      return;
    }
    checkContent(*report->content, path, ctx.config, out);
  } else if (const auto* presc = std::get_if<domain::Prescription>(&ctx.document)) {
    if (presc->content) checkContent(*presc->content, path, ctx.config, out);
  }
}

}  // namespace fhirgw::rules
