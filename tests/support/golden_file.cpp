#include "fhirgw/testsupport/golden_file.hpp"

#include <algorithm>
#include <cstdlib>

#include "fhirgw/testsupport/files.hpp"

namespace fhirgw::testsupport {
namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (std::size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', from)) {
    out.push_back(s.substr(from, nl - from));
    from = nl + 1;
  }
  if (from < s.size()) out.push_back(s.substr(from));
  return out;
}

/// Where two texts first differ, with a few lines of each around it.
std::string firstDifference(const std::string& expected, const std::string& actual) {
  const auto e = lines(expected);
  const auto a = lines(actual);
  std::size_t at = 0;
  while (at < e.size() && at < a.size() && e[at] == a[at]) ++at;
  const auto excerpt = [&](const std::vector<std::string>& l) {
    std::string out;
    for (std::size_t i = at >= 3 ? at - 3 : 0; i < l.size() && i < at + 4; ++i) {
      out += (i == at ? "  > " : "    ") + l[i] + "\n";
    }
    return out;
  };
  return "first difference at line " + std::to_string(at + 1) + "\n  expected:\n" + excerpt(e) +
         "  actual:\n" + excerpt(a);
}

}  // namespace

bool updatingGoldens() {
  const char* v = std::getenv("FHIRGW_UPDATE_GOLDENS");
  return v != nullptr && std::string_view(v) == "1";
}

std::vector<std::string> goldenCaseNames(const std::filesystem::path& root,
                                         std::string_view marker) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / marker)) {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string goldenTestName(std::string caseName, char replacement) {
  if (replacement == '\0') {
    std::erase(caseName, '-');
  } else {
    std::replace(caseName.begin(), caseName.end(), '-', replacement);
  }
  return caseName;
}

std::optional<std::string> goldenMismatch(const JsonValue& actual, const GoldenFile& golden) {
  const std::string name = golden.path.string();
  if (updatingGoldens()) {
    if (writeFile(golden.path, prettyJsonText(actual, golden.order))) return std::nullopt;
    return name + " cannot be written";
  }
  const std::string expectedText = readFile(golden.path);
  if (expectedText.empty()) return name + " is missing (run with FHIRGW_UPDATE_GOLDENS=1)";
  std::string error;
  std::optional<JsonValue> expected = parseJsonText(expectedText, &error);
  if (!expected) return name + " is not JSON: " + error;
  JsonValue comparedActual = actual;
  if (golden.normalise) {
    golden.normalise(comparedActual);
    golden.normalise(*expected);
  }
  if (canonicalJsonText(*expected) == canonicalJsonText(comparedActual)) return std::nullopt;
  return name + " differs; " +
         firstDifference(prettyJsonText(*expected), prettyJsonText(comparedActual));
}

std::optional<std::string> goldenMismatch(std::string_view actualText, const GoldenFile& golden) {
  std::string error;
  std::optional<JsonValue> actual = parseJsonText(actualText, &error);
  if (!actual) return "the actual value for " + golden.path.string() + " is not JSON: " + error;
  return goldenMismatch(*actual, golden);
}

}  // namespace fhirgw::testsupport
