#include "fhirgw/fhir/primitives.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::fhir {
namespace {

const std::vector<std::string> kTypes = {
    "base64Binary", "boolean",     "canonical", "code",     "date", "dateTime",    "decimal",
    "id",           "instant",     "integer",   "markdown", "oid",  "positiveInt", "string",
    "time",         "unsignedInt", "uri",       "url",      "uuid"};

// Hand-picked edge cases for every type; each is checked against the official regex.
const std::vector<std::string> kSamples = {"",
                                           " ",
                                           "a",
                                           "a b",
                                           "a  b",
                                           " a",
                                           "a ",
                                           "a\tb",
                                           "a\x0B"
                                           "b",
                                           "a\fb",
                                           "a\nb",
                                           "true",
                                           "false",
                                           "True",
                                           "0",
                                           "-0",
                                           "00",
                                           "01",
                                           "1",
                                           "-1",
                                           "+1",
                                           "123",
                                           "1.",
                                           ".5",
                                           "1.5",
                                           "1e5",
                                           "1E+5",
                                           "1e-5",
                                           "1.5e",
                                           "-1.50",
                                           "2147483648",
                                           "1979",
                                           "0000",
                                           "0001",
                                           "1979-03",
                                           "1979-3",
                                           "1979-13",
                                           "1979-03-12",
                                           "1979-03-32",
                                           "1979-02-30",
                                           "1979-03-12T09:30:00Z",
                                           "1979-03-12T09:30:00+01:00",
                                           "1979-03-12T09:30:00",
                                           "1979-03-12T09:30Z",
                                           "1979-03-12T24:00:00Z",
                                           "1979-03-12T23:59:60Z",
                                           "1979-03-12T09:30:00.123Z",
                                           "1979-03-12T09:30:00.Z",
                                           "1979-03-12T09:30:00+14:00",
                                           "1979-03-12T09:30:00+14:30",
                                           "1979-03-12T09:30:00-13:59",
                                           "1979-03-12T09:30:00+1:00",
                                           "09:30:00",
                                           "9:30:00",
                                           "09:30",
                                           "09:30:00.5",
                                           "urn:oid:1.2.250.1.213.1.4.8",
                                           "urn:oid:1",
                                           "urn:oid:3.1",
                                           "urn:oid:1.02",
                                           "urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b",
                                           "urn:uuid:0B9D4A5E-6F1C-5D2A-8E3B-4C5D6E7F8A9B",
                                           "urn:uuid:0b9d4a5e6f1c5d2a8e3b4c5d6e7f8a9b",
                                           "abcd",
                                           "ab/+",
                                           "abc=",
                                           "ab==",
                                           "abc",
                                           "abcd efgh",
                                           " abcd ",
                                           "ab cd",
                                           "abcd\n",
                                           "a-b.c",
                                           "a_b",
                                           std::string(64, 'a'),
                                           std::string(65, 'a'),
                                           "http://example.org/a b",
                                           "http://example.org/x",
                                           "é",
                                           "\xC2\xA0"};

// std::regex with the "C" locale: \s is ASCII whitespace, as in the Java tooling.
bool official(const std::string& type, const std::string& text) {
  static std::map<std::string, std::regex> compiled;
  auto it = compiled.find(type);
  if (it == compiled.end()) {
    it = compiled.emplace(type, std::regex("(?:" + std::string(r4Regex(type)) + ")")).first;
  }
  return std::regex_match(text, it->second);
}

TEST(R4Primitives, EveryTypeHasItsOfficialRegex) {
  for (const auto& type : kTypes) EXPECT_FALSE(r4Regex(type).empty()) << type;
  EXPECT_EQ(r4Regex("date"),
            "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2]"
            "[0-9]|3[0-1]))?)?");
  EXPECT_TRUE(r4Regex("xhtml").empty());
}

TEST(R4Primitives, HandWrittenMatchersAgreeWithTheOfficialRegexesOnEdgeCases) {
  for (const auto& type : kTypes) {
    for (const auto& text : kSamples) {
      EXPECT_EQ(matchesR4Regex(type, text), official(type, text)) << type << " '" << text << "'";
    }
  }
}

TEST(R4Primitives, HandWrittenMatchersAgreeWithTheOfficialRegexesOnRandomText) {
  // Random strings over the characters the regexes care about, biased towards near-valid
  // values by mutating valid seeds.
  const std::string alphabet = "0123456789-:.T+Z eEaAfF/=xurn:oid\t";
  const std::vector<std::string> seeds = {"2026-11-20T09:30:00.5+01:00",
                                          "-12.50e+3",
                                          "urn:oid:1.2.250",
                                          "urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b",
                                          "QUJD REVG",
                                          "a-b.c",
                                          "09:30:60"};
  std::mt19937 rng(20261120);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string s = seeds[pick(seeds.size())];
    const std::size_t edits = pick(4);
    for (std::size_t e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t at = pick(s.size());
      switch (pick(3)) {
        case 0:
          s[at] = alphabet[pick(alphabet.size())];
          break;
        case 1:
          s.erase(at, 1);
          break;
        default:
          s.insert(at, 1, alphabet[pick(alphabet.size())]);
          break;
      }
    }
    for (const auto& type : kTypes) {
      ASSERT_EQ(matchesR4Regex(type, s), official(type, s)) << type << " '" << s << "'";
    }
  }
}

TEST(R4Primitives, AWhitespaceOrControlCharacterIsFoundAnywhereInALongText) {
  // The checks read eight bytes at a time: every position of a word, and the tail, must count.
  const std::string chars("\0\x01\t\n\x0B\f\r\x1F \x7F\x80!", 12);
  for (const char c : chars) {
    const auto u = static_cast<unsigned char>(c);
    // The string datatype's own rule: no control character but tab, CR and LF.
    const bool control = u < 0x20 && c != '\t' && c != '\r' && c != '\n';
    for (std::size_t at = 0; at < 21; ++at) {
      std::string s(21, 'a');
      s[at] = c;
      for (const char* type : {"string", "markdown", "code", "uri", "id"}) {
        const bool ruled = std::string_view(type) != "id" && control;
        EXPECT_EQ(matchesR4Regex(type, s), official(type, s)) << type << " " << +u << "@" << at;
        EXPECT_EQ(primitiveProblem(type, s).empty(), official(type, s) && !ruled)
            << type << " " << +u << "@" << at;
      }
    }
  }
}

TEST(R4Primitives, ProblemsBeyondTheRegexAreReported) {
  EXPECT_EQ(primitiveProblem("date", "2024-02-29"), "");
  EXPECT_NE(primitiveProblem("date", "2023-02-29"), "");
  EXPECT_NE(primitiveProblem("dateTime", "2026-04-31T10:00:00Z"), "");
  EXPECT_NE(primitiveProblem("integer", "2147483648"), "");
  EXPECT_EQ(primitiveProblem("integer", "-2147483648"), "");
  EXPECT_NE(primitiveProblem("positiveInt", "0"), "");
  EXPECT_NE(primitiveProblem("id", "a_b"), "");
  EXPECT_NE(primitiveProblem("unknownType", "x"), "");
  // Control characters other than tab, CR and LF (the string datatype's own rule).
  EXPECT_NE(primitiveProblem("string", std::string("a\0b", 3)), "");
  EXPECT_NE(primitiveProblem("string",
                             "a\x01"
                             "b"),
            "");
  EXPECT_NE(primitiveProblem("markdown",
                             "a\x1F"
                             "b"),
            "");
  EXPECT_NE(primitiveProblem("code", "a\x07"), "");
  EXPECT_NE(primitiveProblem("uri", "urn:x\x02"), "");
  EXPECT_EQ(primitiveProblem("string", "a\tb\r\nc"), "");
  EXPECT_EQ(primitiveProblem("markdown", "# Title\n\n- item"), "");
}

}  // namespace
}  // namespace fhirgw::fhir
