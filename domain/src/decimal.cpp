#include "fhirgw/domain/decimal.hpp"

namespace fhirgw::domain {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Compares two magnitudes given as normalised integer and fraction digit strings.
std::strong_ordering compareMagnitude(const std::string& ai, const std::string& af,
                                      const std::string& bi, const std::string& bf) {
  if (ai.size() != bi.size()) return ai.size() <=> bi.size();
  if (const int c = ai.compare(bi); c != 0) return c <=> 0;
  // Fractions compare digit by digit, a missing digit counting as 0.
  const std::size_t n = af.size() > bf.size() ? af.size() : bf.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char x = i < af.size() ? af[i] : '0';
    const char y = i < bf.size() ? bf[i] : '0';
    if (x != y) return x <=> y;
  }
  return std::strong_ordering::equal;
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) {
  std::size_t pos = 0;
  bool minus = false;
  if (pos < text.size() && text[pos] == '-') {
    minus = true;
    ++pos;
  }
  const std::size_t intStart = pos;
  while (pos < text.size() && isDigit(text[pos])) ++pos;
  const std::string_view integer = text.substr(intStart, pos - intStart);
  if (integer.empty() || (integer.size() > 1 && integer[0] == '0')) return std::nullopt;
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t fracStart = ++pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    fraction = text.substr(fracStart, pos - fracStart);
    if (fraction.empty()) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  if (integer.size() + fraction.size() > kMaxDigits) return std::nullopt;

  Decimal d;
  d.text_ = std::string(text);
  d.integer_ = std::string(integer);
  d.fraction_ = std::string(fraction);
  while (!d.fraction_.empty() && d.fraction_.back() == '0') d.fraction_.pop_back();
  d.negative_ = minus && !d.isZero();  // "-0.00" is zero
  return d;
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  if (a.negative_ != b.negative_) {
    return a.negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  const std::strong_ordering m = compareMagnitude(a.integer_, a.fraction_, b.integer_, b.fraction_);
  if (!a.negative_) return m;
  // Both negative: the larger magnitude is the smaller number.
  if (m == std::strong_ordering::less) return std::strong_ordering::greater;
  if (m == std::strong_ordering::greater) return std::strong_ordering::less;
  return std::strong_ordering::equal;
}

}  // namespace fhirgw::domain
