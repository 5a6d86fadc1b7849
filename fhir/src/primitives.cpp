#include "fhirgw/fhir/primitives.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "fhirgw/fhir/date.hpp"
#include "primitive_check.hpp"

namespace fhirgw::fhir {
namespace detail {
namespace {

using r4::Primitive;

// Java's \s, which the FHIR tooling's regexes assume: [ \t\n\x0B\f\r].
constexpr bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}
constexpr bool isDigit(char c) { return c >= '0' && c <= '9'; }

// True when no byte of text is below limit (at most 0x80), read eight bytes at a time: the
// validator checks every string, code and uri for whitespace or control characters, which are all
// below 0x21, and nearly every text has none but spaces. A word with such a byte is read again
// byte by byte. (x - limit*ones) & ~x & highs is non-zero exactly when a byte of x is < limit.
bool noByteBelow(std::string_view text, unsigned char limit) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (((word - kOnes * limit) & ~word & kHighs) != 0) break;
  }
  for (; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) < limit) return false;
  }
  return true;
}
// Every byte of Java's \s is below this.
constexpr unsigned char kAboveSpaces = 0x21;
// Every control character is below this.
constexpr unsigned char kAboveControls = 0x20;

/// A cursor over the text; each step consumes on success only.
class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (done() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  bool eat(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }
  bool digit() {
    if (done() || !isDigit(s_[i_])) return false;
    ++i_;
    return true;
  }
  // [lo-hi]
  bool range(char lo, char hi) {
    if (done() || s_[i_] < lo || s_[i_] > hi) return false;
    ++i_;
    return true;
  }
  std::size_t digits() {
    std::size_t n = 0;
    while (digit()) ++n;
    return n;
  }
  std::size_t pos() const { return i_; }
  void reset(std::size_t p) { i_ = p; }
  std::string_view since(std::size_t start) const { return s_.substr(start, i_ - start); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// Two characters [lo1-hi1][lo2-hi2].
struct TwoChars {
  char lo1, hi1, lo2, hi2;
};

// Two characters matching one of the alternatives, as in 0[1-9]|1[0-2].
bool twoDigits(Scan& s, std::initializer_list<TwoChars> alts) {
  const std::size_t start = s.pos();
  for (const TwoChars& a : alts) {
    if (s.range(a.lo1, a.hi1) && s.range(a.lo2, a.hi2)) return true;
    s.reset(start);
  }
  return false;
}

// ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000): four digits other than 0000.
bool year(Scan& s) {
  const std::size_t start = s.pos();
  for (int k = 0; k < 4; ++k) {
    if (!s.digit()) {
      s.reset(start);
      return false;
    }
  }
  if (s.since(start) == "0000") {
    s.reset(start);
    return false;
  }
  return true;
}
bool month(Scan& s) { return twoDigits(s, {{'0', '0', '1', '9'}, {'1', '1', '0', '2'}}); }
bool day(Scan& s) {
  return twoDigits(s, {{'0', '0', '1', '9'}, {'1', '2', '0', '9'}, {'3', '3', '0', '1'}});
}
// ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?
bool time(Scan& s) {
  if (!twoDigits(s, {{'0', '1', '0', '9'}, {'2', '2', '0', '3'}})) return false;
  if (!s.eat(':') || !s.range('0', '5') || !s.digit() || !s.eat(':')) return false;
  if (!twoDigits(s, {{'0', '5', '0', '9'}, {'6', '6', '0', '0'}})) return false;
  if (s.eat('.') && s.digits() == 0) return false;
  return true;
}
// Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)
bool zone(Scan& s) {
  if (s.eat('Z')) return true;
  if (!s.eat('+') && !s.eat('-')) return false;
  if (s.eat("14:00")) return true;
  if (!twoDigits(s, {{'0', '0', '0', '9'}, {'1', '1', '0', '3'}})) return false;
  return s.eat(':') && s.range('0', '5') && s.digit();
}

// Y(-M(-D(T time zone)?)?)? up to `maxParts` (3 for date, 4 for dateTime); instant needs all.
bool dateLike(std::string_view text, int maxParts, bool full) {
  Scan s(text);
  if (!year(s)) return false;
  if (s.done()) return !full;
  if (!s.eat('-') || !month(s)) return false;
  if (s.done()) return !full;
  if (!s.eat('-') || !day(s)) return false;
  if (s.done()) return !full || maxParts < 4;
  if (maxParts < 4) return false;
  if (!s.eat('T') || !time(s) || !zone(s)) return false;
  return s.done();
}

// -?(0|[1-9][0-9]*) and its unsigned (no sign) and positive (no sign, no zero) variants.
bool integerForm(std::string_view text, bool sign, bool zero) {
  Scan s(text);
  if (sign) s.eat('-');
  if (zero && s.eat('0')) return s.done();
  if (!s.range('1', '9')) return false;
  s.digits();
  return s.done();
}

bool decimalForm(std::string_view text) {
  Scan s(text);
  s.eat('-');
  if (!s.eat('0')) {
    if (!s.range('1', '9')) return false;
    s.digits();
  }
  if (s.eat('.') && s.digits() == 0) return false;
  if (s.eat('e') || s.eat('E')) {
    if (!s.eat('+')) s.eat('-');
    if (s.digits() == 0) return false;
  }
  return s.done();
}

bool codeForm(std::string_view text) {
  // [^\s]+(\s[^\s]+)*: no leading, trailing or doubled whitespace.
  if (text.empty() || isSpace(text.front()) || isSpace(text.back())) return false;
  if (noByteBelow(text, kAboveSpaces)) return true;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (isSpace(text[i]) && isSpace(text[i - 1])) return false;
  }
  return true;
}

bool base64Form(std::string_view text) {
  // (\s*([0-9a-zA-Z\+/=]){4}\s*)+ : groups of four, whitespace only between groups.
  auto alphabet = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '+' || c == '/' ||
           c == '=';
  };
  std::size_t i = 0;
  std::size_t groups = 0;
  while (true) {
    while (i < text.size() && isSpace(text[i])) ++i;
    if (i == text.size()) break;
    for (int k = 0; k < 4; ++k, ++i) {
      if (i == text.size() || !alphabet(text[i])) return false;
    }
    ++groups;
  }
  return groups > 0;
}

bool oidForm(std::string_view text) {
  Scan s(text);
  if (!s.eat("urn:oid:") || !s.range('0', '2')) return false;
  std::size_t arcs = 0;
  while (s.eat('.')) {
    if (!s.eat('0')) {
      if (!s.range('1', '9')) return false;
      s.digits();
    }
    ++arcs;
  }
  return arcs > 0 && s.done();
}

bool uuidForm(std::string_view text) {
  Scan s(text);
  if (!s.eat("urn:uuid:")) return false;
  for (int len : {8, 4, 4, 4, 12}) {
    if (len != 8 && !s.eat('-')) return false;
    for (int k = 0; k < len; ++k) {
      if (!s.digit() && !s.range('a', 'f')) return false;
    }
  }
  return s.done();
}

bool idForm(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool noSpace(std::string_view text) {
  if (noByteBelow(text, kAboveSpaces)) return true;
  for (char c : text) {
    if (isSpace(c)) return false;
  }
  return true;
}

bool stringForm(std::string_view text) {
  // [ \r\n\t\S]+ : the only whitespace excluded is \x0B and \f.
  if (text.empty()) return false;
  if (noByteBelow(text, kAboveControls)) return true;
  for (char c : text) {
    if (c == '\x0B' || c == '\f') return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// Digits of an integer form compared with 2147483647 (or 2147483648 when negative).
bool fitsInt32(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  std::string_view limit = negative ? "2147483648" : "2147483647";
  return digits.size() < limit.size() || (digits.size() == limit.size() && digits <= limit);
}

constexpr std::size_t kMaxStringChars = std::size_t{1024} * 1024;

std::size_t utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

constexpr std::array<std::pair<std::string_view, Primitive>, 20> kNames = {{
    {"base64Binary", Primitive::kBase64Binary},
    {"boolean", Primitive::kBoolean},
    {"canonical", Primitive::kCanonical},
    {"code", Primitive::kCode},
    {"date", Primitive::kDate},
    {"dateTime", Primitive::kDateTime},
    {"decimal", Primitive::kDecimal},
    {"id", Primitive::kId},
    {"instant", Primitive::kInstant},
    {"integer", Primitive::kInteger},
    {"markdown", Primitive::kMarkdown},
    {"oid", Primitive::kOid},
    {"positiveInt", Primitive::kPositiveInt},
    {"string", Primitive::kString},
    {"time", Primitive::kTime},
    {"unsignedInt", Primitive::kUnsignedInt},
    {"uri", Primitive::kUri},
    {"url", Primitive::kUrl},
    {"uuid", Primitive::kUuid},
    {"xhtml", Primitive::kXhtml},
}};

}  // namespace

Primitive primitiveByName(std::string_view name) {
  for (const auto& [n, p] : kNames) {
    if (n == name) return p;
  }
  return Primitive::kNone;
}

bool matchesRegex(Primitive p, std::string_view text) {
  switch (p) {
    case Primitive::kBoolean:
      return text == "true" || text == "false";
    case Primitive::kInteger:
      return integerForm(text, true, true);
    case Primitive::kUnsignedInt:
      return integerForm(text, false, true);
    case Primitive::kPositiveInt:
      return integerForm(text, false, false);
    case Primitive::kDecimal:
      return decimalForm(text);
    case Primitive::kString:
    case Primitive::kMarkdown:
      return stringForm(text);
    case Primitive::kCode:
      return codeForm(text);
    case Primitive::kId:
      return idForm(text);
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical:
      return noSpace(text);
    case Primitive::kOid:
      return oidForm(text);
    case Primitive::kUuid:
      return uuidForm(text);
    case Primitive::kBase64Binary:
      return base64Form(text);
    case Primitive::kDate:
      return dateLike(text, 3, false);
    case Primitive::kDateTime:
      return dateLike(text, 4, false);
    case Primitive::kInstant:
      return dateLike(text, 4, true);
    case Primitive::kTime: {
      Scan s(text);
      return time(s) && s.done();
    }
    case Primitive::kXhtml:
    case Primitive::kNone:
      return false;
  }
  return false;
}

// The string datatype's rule, beyond its regex ([ \r\n\t\S]+ lets \S match them): "Strings SHALL
// NOT contain Unicode character points below 32, except for u0009 (horizontal tab), u0010
// (carriage return) and u0013 (line feed)". code, uri, url and canonical are strings too.
constexpr std::string_view kControlProblem =
    "a string SHALL NOT contain control characters other than tab, CR and LF";

bool hasForbiddenControl(std::string_view text) {
  if (noByteBelow(text, kAboveControls)) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n') return true;
  }
  return false;
}

std::string_view semanticProblem(Primitive p, std::string_view text) {
  switch (p) {
    case Primitive::kInteger:
    case Primitive::kUnsignedInt:
    case Primitive::kPositiveInt:
      return fitsInt32(text) ? "" : "the value does not fit in a 32-bit signed integer";
    case Primitive::kDate:
    case Primitive::kDateTime:
    case Primitive::kInstant:
      // The regex allows day 31 in every month; the calendar decides.
      if (text.size() >= 10) {
        const auto month = static_cast<unsigned>(number(text.substr(5, 2)));
        const auto day = static_cast<unsigned>(number(text.substr(8, 2)));
        if (day > daysInMonth(number(text.substr(0, 4)), month)) {
          return "the day does not exist in that month";
        }
      }
      return "";
    case Primitive::kString:
    case Primitive::kMarkdown:
      if (text.size() > kMaxStringChars && utf8Length(text) > kMaxStringChars) {
        return "a string SHALL NOT exceed 1 MiB characters";
      }
      return hasForbiddenControl(text) ? kControlProblem : "";
    case Primitive::kCode:
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical:
      return hasForbiddenControl(text) ? kControlProblem : "";
    default:
      return "";
  }
}

std::string_view expectedForm(Primitive p) {
  switch (p) {
    case Primitive::kBoolean:
      return "true or false";
    case Primitive::kInteger:
      return "an integer without leading zeros";
    case Primitive::kUnsignedInt:
      return "a non-negative integer without leading zeros";
    case Primitive::kPositiveInt:
      return "a positive integer without leading zeros";
    case Primitive::kDecimal:
      return "a decimal number";
    case Primitive::kString:
    case Primitive::kMarkdown:
      return "a non-empty string without vertical tab or form feed";
    case Primitive::kCode:
      return "a non-empty code without leading, trailing or repeated whitespace";
    case Primitive::kId:
      return "1 to 64 characters among A-Z a-z 0-9 - .";
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical:
      return "a URI without whitespace";
    case Primitive::kOid:
      return "urn:oid: followed by a dotted OID";
    case Primitive::kUuid:
      return "urn:uuid: followed by a lower-case UUID";
    case Primitive::kBase64Binary:
      return "base64 in groups of four characters";
    case Primitive::kDate:
      return "YYYY, YYYY-MM or YYYY-MM-DD";
    case Primitive::kDateTime:
      return "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss) with a time zone";
    case Primitive::kInstant:
      return "YYYY-MM-DDThh:mm:ss(.sss) with a time zone";
    case Primitive::kTime:
      return "hh:mm:ss(.sss)";
    case Primitive::kXhtml:
      return "an XHTML div";
    case Primitive::kNone:
      return "";
  }
  return "";
}

}  // namespace detail

bool matchesR4Regex(std::string_view type, std::string_view text) {
  return detail::matchesRegex(detail::primitiveByName(type), text);
}

std::string_view r4Regex(std::string_view type) {
  const r4::Primitive p = detail::primitiveByName(type);
  for (const auto& r : r4::tables().regexes) {
    if (r.primitive == p) return r.regex;
  }
  return "";
}

std::string_view primitiveProblem(std::string_view type, std::string_view text) {
  const r4::Primitive p = detail::primitiveByName(type);
  if (p == r4::Primitive::kNone) return "not an R4 primitive type";
  if (p != r4::Primitive::kXhtml && !detail::matchesRegex(p, text)) {
    return "the value does not match the R4 regex of its type";
  }
  return detail::semanticProblem(p, text);
}

}  // namespace fhirgw::fhir
