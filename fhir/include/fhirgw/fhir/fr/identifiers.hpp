#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::fhir::fr {

// ---- INS (Identité Nationale de Santé) -------------------------------------------------------

/// An INS assigning system (Référentiel INS): the NIR, the NIA, and the NIR's test and
/// demonstration systems, which exist only outside production.
enum class InsSystem { kNir, kNia, kNirTest, kNirDemo };

/// OID of INS-NIR identifiers (the NIR of a registered person).
inline constexpr std::string_view kInsNirOid = "1.2.250.1.213.1.4.8";
/// OID of INS-NIA identifiers (provisional number).
inline constexpr std::string_view kInsNiaOid = "1.2.250.1.213.1.4.9";
/// OID of test INS-NIR identifiers (test environments only).
inline constexpr std::string_view kInsNirTestOid = "1.2.250.1.213.1.4.10";
/// OID of demonstration INS-NIR identifiers (test environments only).
inline constexpr std::string_view kInsNirDemoOid = "1.2.250.1.213.1.4.11";

/// The INS system of an OID ("1.2.250.1.213.1.4.8"); nullopt for any other OID.
std::optional<InsSystem> insSystemOf(std::string_view oid);
/// The INS system of a FHIR Identifier.system ("urn:oid:1.2.250.1.213.1.4.8"); nullopt otherwise.
std::optional<InsSystem> insSystemOfUri(std::string_view system);
/// The OID of an INS system.
std::string_view insOid(InsSystem system);
/// The FHIR Identifier.system of an INS system: "urn:oid:" and its OID.
std::string insSystemUri(InsSystem system);
/// The FR Core identifier type (fr-core-cs-v2-0203) of an INS system: INS-NIR, INS-NIA,
/// INS-NIR-TEST or INS-NIR-DEMO.
std::string_view insTypeCode(InsSystem system);
/// True for the NIR and its test and demonstration systems. Only a NIR gives the patient an
/// MSSanté mailbox (<INS>@patient.mssante.fr), so patient messaging needs one.
bool isNir(InsSystem system);
/// True for the test and demonstration systems.
bool isTestSystem(InsSystem system);

/// Which INS systems a deployment accepts (rules.acceptTestInsOids): the NIR and NIA always, the
/// test and demonstration systems only when configured, in test environments.
struct InsPolicy {
  bool acceptTestSystems = false;  ///< accept the test and demonstration NIR systems
};

/// True when the OID names an INS system the policy accepts.
bool isInsOidAccepted(std::string_view oid, InsPolicy policy);

/// What is wrong with an INS value, if anything.
enum class InsValueProblem {
  kNone,
  kLength,      ///< not 15 characters
  kCharacters,  ///< not digits (2A / 2B allowed only at positions 6-7)
  kKey,         ///< the 2-digit key is not 97 - (NIR mod 97)
};

/// Checks a 15-character INS: a 13-character NIR and its key, 2A counting as 19 and 2B as 18.
InsValueProblem checkInsValue(std::string_view value);

/// The one answer to "may this INS identify the patient outside the gateway" (the Patient's
/// identifier, the DMP, patient messaging), as far as the identifier goes: its value is a NIR
/// with a valid key and its OID is one the policy accepts. The qualified INS of the Référentiel
/// INS is the NIR or NIA under its OID; the test and demonstration OIDs count only when the
/// deployment accepts them. The rules add what is not the identifier's (a qualified identity
/// status, complete traits) and carry the result as RuleOutcome::insQualified; the mapper and
/// routing read that result instead of deciding again from the OID.
bool isInsUsable(std::string_view value, std::string_view oid, InsPolicy policy);

// ---- Professionals and structures ------------------------------------------------------------

/// Identifier.system of the national health professional id (IDNPS: 8 + RPPS, 0 + ADELI).
inline constexpr std::string_view kIdnpsSystem = "urn:oid:1.2.250.1.71.4.2.1";
/// Identifier.system of the national structure id (IDNST: 1 + FINESS, 3 + SIRET).
inline constexpr std::string_view kStructureIdSystem = "urn:oid:1.2.250.1.71.4.2.2";
/// Identifier.system of FINESS numbers.
inline constexpr std::string_view kFinessSystem = "https://finess.esante.gouv.fr";

/// True for a non-empty run of ASCII digits whose Luhn checksum is valid.
bool isLuhnValid(std::string_view digits);

/// True for 11 ASCII digits whose Luhn checksum is valid (RPPS numbers).
bool isValidRpps(std::string_view rpps);

/// True for a 5-character INSEE commune code: 5 digits, or 2A / 2B and 3 digits (Corsica);
/// "99xxx" (born abroad) is digits too.
bool isInseeCommuneCode(std::string_view code);

/// True for the shape of an ADELI number: 9 digits (no key).
bool isAdeliNumber(std::string_view number);

/// True for the shape of a FINESS number: 9 digits, or 2A / 2B and 7 digits (Corsica). The key
/// is not checked (rules.md).
bool isFinessNumber(std::string_view number);

/// True for the shape of a SIRET number: 14 digits (the key is not checked, rules.md).
bool isSiretNumber(std::string_view number);

/// The département of a French postal code: the first two digits, except Corsica (200-201 ->
/// "2A", 202-206 -> "2B") and overseas (97x / 98x -> the first three digits). nullopt when the
/// text is not 5 digits or names no département ("00xxx", "207xx"...).
std::optional<std::string> departementFromPostalCode(std::string_view postalCode);

}  // namespace fhirgw::fhir::fr
