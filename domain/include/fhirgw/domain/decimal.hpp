#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::domain {

/// A decimal number kept as its text (FHIR decimals keep their digits: "25.00" stays "25.00")
/// and compared by value without floating point ("25.0" == "25.00").
class Decimal {
 public:
  /// Digits a decimal may have, integer and fraction together, as written: FHIR asks for 18
  /// digits of precision, and nothing the gateway receives (quantities, amounts in euros) needs
  /// more. Longer texts ("0." followed by 400 zeros) are refused rather than carried into FHIR
  /// numbers that other parsers turn into doubles.
  static constexpr std::size_t kMaxDigits = 18;

  /// Parses the FHIR decimal form without exponent: -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most
  /// kMaxDigits digits; nullopt otherwise (no "+", no leading zeros, no exponent, no "1." or ".5").
  static std::optional<Decimal> parse(std::string_view text);

  /// The text as received.
  const std::string& text() const { return text_; }
  /// True when the value is below zero (not "-0").
  bool isNegative() const { return negative_; }
  /// True when the value is exactly zero.
  bool isZero() const { return integer_ == "0" && fraction_.empty(); }

  /// Numeric order; scale does not matter.
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  /// Numeric equality; scale does not matter.
  friend bool operator==(const Decimal& a, const Decimal& b) { return std::is_eq(a <=> b); }

 private:
  Decimal() = default;

  std::string text_;
  bool negative_ = false;
  std::string integer_;   ///< integer digits, no leading zeros ("0" for zero)
  std::string fraction_;  ///< fraction digits without trailing zeros
};

}  // namespace fhirgw::domain
