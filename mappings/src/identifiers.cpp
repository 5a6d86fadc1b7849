#include "fhirgw/mappings/identifiers.hpp"

#include <cstdint>

namespace fhirgw::mappings {
namespace {

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

bool isValidRpps(std::string_view rpps) {
  if (rpps.size() != 11 || !allDigits(rpps)) return false;
  int sum = 0;
  // Luhn: from the rightmost digit (the check digit), double every second digit.
  for (std::size_t i = 0; i < rpps.size(); ++i) {
    int digit = rpps[rpps.size() - 1 - i] - '0';
    if (i % 2 == 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 == 0;
}

bool isInseeCommuneCode(std::string_view code) { return code.size() == 5 && corsicanDigits(code); }

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

}  // namespace fhirgw::mappings
