#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::mappings {

/// OID of INS-NIR identifiers (the NIR of a registered person).
inline constexpr std::string_view kInsNirOid = "1.2.250.1.213.1.4.8";
/// OID of INS-NIA identifiers (provisional number).
inline constexpr std::string_view kInsNiaOid = "1.2.250.1.213.1.4.9";
/// OID of test INS-NIR identifiers (test environments only).
inline constexpr std::string_view kInsTestOid = "1.2.250.1.213.1.4.10";
/// OID of demonstration INS-NIR identifiers (test environments only).
inline constexpr std::string_view kInsDemoOid = "1.2.250.1.213.1.4.11";

/// What is wrong with an INS value, if anything.
enum class InsValueProblem {
  kNone,
  kLength,      ///< not 15 characters
  kCharacters,  ///< not digits (2A / 2B allowed only at positions 6-7)
  kKey,         ///< the 2-digit key is not 97 - (NIR mod 97)
};

/// Checks a 15-character INS: a 13-character NIR and its key, 2A counting as 19 and 2B as 18.
InsValueProblem checkInsValue(std::string_view value);

/// True for 11 ASCII digits whose Luhn checksum is valid (RPPS numbers).
bool isValidRpps(std::string_view rpps);

/// True for a 5-character INSEE commune code: 5 digits, or 2A / 2B and 3 digits (Corsica);
/// "99xxx" (born abroad) is digits too.
bool isInseeCommuneCode(std::string_view code);

/// True for the shape of a FINESS number: 9 digits, or 2A / 2B and 7 digits (Corsica). The key
/// is not checked (rules.md).
bool isFinessNumber(std::string_view number);

/// True for the shape of a SIRET number: 14 digits (the key is not checked, rules.md).
bool isSiretNumber(std::string_view number);

/// The département of a French postal code: the first two digits, except Corsica (200-201 ->
/// "2A", 202-206 -> "2B") and overseas (97x / 98x -> the first three digits). nullopt when the
/// text is not 5 digits or names no département ("00xxx", "207xx"...).
std::optional<std::string> departementFromPostalCode(std::string_view postalCode);

}  // namespace fhirgw::mappings
