#include "fhirgw/fhir/fr/identifiers.hpp"

#include <array>
#include <cstdint>

namespace fhirgw::fhir::fr {
namespace {

constexpr std::string_view kUrnOid = "urn:oid:";

struct InsSystemInfo {
  InsSystem system;
  std::string_view oid;
  std::string_view typeCode;
};

// One row per INS system (Référentiel INS; FR Core identifier types, french-interop.md).
constexpr std::array<InsSystemInfo, 4> kInsSystems{{
    {InsSystem::kNir, kInsNirOid, "INS-NIR"},
    {InsSystem::kNia, kInsNiaOid, "INS-NIA"},
    {InsSystem::kNirTest, kInsNirTestOid, "INS-NIR-TEST"},
    {InsSystem::kNirDemo, kInsNirDemoOid, "INS-NIR-DEMO"},
}};

const InsSystemInfo& info(InsSystem system) {
  for (const InsSystemInfo& i : kInsSystems) {
    if (i.system == system) return i;
  }
  return kInsSystems.front();  // unreachable: every enumerator has its row
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool allDigits(std::string_view s) {
  for (const char c : s) {
    if (!isDigit(c)) return false;
  }
  return !s.empty();
}

// Digits, where a code starting with a Corsican département may spell it 2A or 2B.
bool corsicanDigits(std::string_view code) {
  if (code.size() >= 2 && code[0] == '2' && (code[1] == 'A' || code[1] == 'B')) {
    return allDigits(code.substr(2));
  }
  return allDigits(code);
}

}  // namespace

std::optional<InsSystem> insSystemOf(std::string_view oid) {
  for (const InsSystemInfo& i : kInsSystems) {
    if (i.oid == oid) return i.system;
  }
  return std::nullopt;
}

std::optional<InsSystem> insSystemOfUri(std::string_view system) {
  if (!system.starts_with(kUrnOid)) return std::nullopt;
  return insSystemOf(system.substr(kUrnOid.size()));
}

std::string_view insOid(InsSystem system) { return info(system).oid; }

std::string insSystemUri(InsSystem system) {
  return std::string(kUrnOid) + std::string(insOid(system));
}

std::string_view insTypeCode(InsSystem system) { return info(system).typeCode; }

bool isNir(InsSystem system) { return system != InsSystem::kNia; }

bool isTestSystem(InsSystem system) {
  return system == InsSystem::kNirTest || system == InsSystem::kNirDemo;
}

bool isInsOidAccepted(std::string_view oid, InsPolicy policy) {
  const std::optional<InsSystem> system = insSystemOf(oid);
  return system && (!isTestSystem(*system) || policy.acceptTestSystems);
}

InsValueProblem checkInsValue(std::string_view value) {
  if (value.size() != 15) return InsValueProblem::kLength;
  std::string nir(value.substr(0, 13));
  // Corsican birth départements: the key is computed with 2A as 19 and 2B as 18.
  if (nir[5] == '2' && (nir[6] == 'A' || nir[6] == 'B')) {
    const bool isA = nir[6] == 'A';
    nir[5] = '1';
    nir[6] = isA ? '9' : '8';
  }
  if (!allDigits(nir) || !allDigits(value.substr(13, 2))) return InsValueProblem::kCharacters;
  std::uint64_t remainder = 0;
  for (const char c : nir) remainder = (remainder * 10 + static_cast<std::uint64_t>(c - '0')) % 97;
  const int key = (value[13] - '0') * 10 + (value[14] - '0');
  return static_cast<std::uint64_t>(key) == 97 - remainder ? InsValueProblem::kNone
                                                           : InsValueProblem::kKey;
}

bool isInsUsable(std::string_view value, std::string_view oid, InsPolicy policy) {
  return checkInsValue(value) == InsValueProblem::kNone && isInsOidAccepted(oid, policy);
}

bool isLuhnValid(std::string_view digits) {
  if (!allDigits(digits)) return false;
  int sum = 0;
  // From the rightmost digit (the check digit), double every second digit.
  for (std::size_t i = 0; i < digits.size(); ++i) {
    int digit = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 == 0;
}

bool isValidRpps(std::string_view rpps) { return rpps.size() == 11 && isLuhnValid(rpps); }

bool isInseeCommuneCode(std::string_view code) { return code.size() == 5 && corsicanDigits(code); }

bool isAdeliNumber(std::string_view number) { return number.size() == 9 && allDigits(number); }

bool isFinessNumber(std::string_view number) {
  return number.size() == 9 && corsicanDigits(number);
}

bool isSiretNumber(std::string_view number) { return number.size() == 14 && allDigits(number); }

std::optional<std::string> departementFromPostalCode(std::string_view postalCode) {
  if (postalCode.size() != 5 || !allDigits(postalCode)) return std::nullopt;
  const std::string_view two = postalCode.substr(0, 2);
  if (two == "00") return std::nullopt;
  if (two == "20") {
    const char third = postalCode[2];
    if (third == '0' || third == '1') return "2A";
    if (third >= '2' && third <= '6') return "2B";
    return std::nullopt;
  }
  if (two == "97" || two == "98") return std::string(postalCode.substr(0, 3));
  return std::string(two);
}

}  // namespace fhirgw::fhir::fr
