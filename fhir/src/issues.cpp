#include "fhirgw/fhir/issues.hpp"

#include <algorithm>
#include <iterator>

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::fhir {
namespace {

constexpr common::CodeTable<IssueSeverity, 4> kSeverityCodes{{{
    {IssueSeverity::kFatal, "fatal"},
    {IssueSeverity::kError, "error"},
    {IssueSeverity::kWarning, "warning"},
    {IssueSeverity::kInformation, "information"},
}}};

}  // namespace

std::string_view severityCode(IssueSeverity s) { return kSeverityCodes.code(s); }

bool hasErrors(const std::vector<Issue>& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const Issue& i) {
    return i.severity == IssueSeverity::kError || i.severity == IssueSeverity::kFatal;
  });
}

void IssueSink::addAll(std::vector<Issue> issues) {
  if (issues_.empty()) {
    issues_ = std::move(issues);
    return;
  }
  issues_.insert(issues_.end(), std::make_move_iterator(issues.begin()),
                 std::make_move_iterator(issues.end()));
}

void ScopedPath::appendTo(std::string& out) const {
  for (const Segment& s : segments_) {
    if (s.index == kNoIndex) {
      if (!out.empty()) out += '.';
      out += s.name;
    } else {
      out += '[';
      out += std::to_string(s.index);
      out += ']';
    }
  }
}

std::string ScopedPath::str() const {
  std::string out;
  appendTo(out);
  return out;
}

std::string ScopedPath::child(std::string_view name) const {
  std::string out;
  appendTo(out);
  if (!name.empty()) {
    if (!out.empty()) out += '.';
    out += name;
  }
  return out;
}

}  // namespace fhirgw::fhir
