#pragma once

// The one channel for data problems (after google/fhir's error reporter, without its virtual
// handler): whoever finds a problem appends an Issue to an IssueSink, located by a ScopedPath.
// Process failures are a common::Status, never an Issue.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fhirgw::fhir {

/// OperationOutcome.issue.severity.
enum class IssueSeverity { kFatal, kError, kWarning, kInformation };

/// FHIR code of a severity ("error").
std::string_view severityCode(IssueSeverity s);

/// One data problem: a severity, a FHIR issue type and a location. Build it with designated
/// initialisers (`Issue{.code = "value", .expression = ...}`): five of its fields are strings, and
/// a positional list would compile with two of them swapped. (The `{}` initialisers let such a
/// list leave fields out without GCC's -Wmissing-field-initializers.)
struct Issue {
  IssueSeverity severity = IssueSeverity::kError;
  std::string code{};         ///< FHIR IssueType: required, value, invalid, business-rule, ...
  std::string ruleId{};       ///< rule ID (rules.md) or empty
  std::string detailsText{};  ///< French text for the end user
  std::string diagnostics{};  ///< English text for the developer
  std::string expression{};   ///< location, e.g. "encounter.consent.at" or "Patient.birthDate"
};

/// True when at least one issue is fatal or an error.
bool hasErrors(const std::vector<Issue>& issues);

/// Collects the issues of one piece of work, in the order they are found. A plain value: the
/// validator, the body parser, the rules and the mapper append to the one they are given.
class IssueSink {
 public:
  /// Appends one issue.
  void add(Issue issue) { issues_.push_back(std::move(issue)); }
  /// Appends issues found elsewhere, keeping their order.
  void addAll(std::vector<Issue> issues);

  /// The issues so far.
  const std::vector<Issue>& issues() const { return issues_; }
  /// Moves the issues out; the sink is empty afterwards.
  std::vector<Issue> take() { return std::exchange(issues_, {}); }
  /// Number of issues so far.
  std::size_t size() const { return issues_.size(); }
  /// True when no issue was added.
  bool empty() const { return issues_.empty(); }
  /// True when at least one issue is fatal or an error.
  bool hasErrors() const { return fhir::hasErrors(issues_); }

 private:
  std::vector<Issue> issues_;
};

/// A FHIRPath-style element path ("Bundle.entry[2].resource.name[0].given") built by scopes:
/// `auto at = path.withField("name");` appends a segment until `at` goes out of scope. Segments
/// hold views, so a scope costs no allocation once the segment stack has grown; the text is
/// built only when a location is asked for, that is when there is an issue to report. A name
/// must outlive its scope.
class ScopedPath {
 public:
  /// Removes its segment (and any left above it) when destroyed.
  class [[nodiscard]] Scope {
   public:
    Scope(Scope&& other) noexcept
        : path_(std::exchange(other.path_, nullptr)), mark_(other.mark_) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope() {
      if (path_ != nullptr) path_->popTo(mark_);
    }

   private:
    friend class ScopedPath;
    Scope(ScopedPath* path, std::size_t mark) : path_(path), mark_(mark) {}
    ScopedPath* path_;
    std::size_t mark_;
  };

  ScopedPath() = default;

  /// Scope of a field: "a" then withField("b") gives "a.b"; the name may itself be dotted.
  Scope withField(std::string_view name) {
    segments_.push_back({name, kNoIndex});
    return {this, segments_.size() - 1};
  }
  /// Scope of an array item: "a" then withIndex(2) gives "a[2]".
  Scope withIndex(std::size_t index) {
    segments_.push_back({{}, static_cast<std::int64_t>(index)});
    return {this, segments_.size() - 1};
  }

  /// The path as text ("" at the root).
  std::string str() const;
  /// The path of a child field without opening a scope: str() + "." + name, or name at the root;
  /// an empty name gives str().
  std::string child(std::string_view name) const;
  /// True at the root.
  bool empty() const { return segments_.empty(); }
  /// Keeps room for depth segments, so scopes up to that depth never allocate.
  void reserve(std::size_t depth) { segments_.reserve(depth); }

 private:
  static constexpr std::int64_t kNoIndex = -1;
  struct Segment {
    std::string_view name;  // empty for an array item
    std::int64_t index;     // kNoIndex for a field
  };
  void appendTo(std::string& out) const;
  // Never grows the stack, so the destructor of a Scope stays a pointer move.
  void popTo(std::size_t mark) {
    if (mark < segments_.size()) {
      segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(mark), segments_.end());
    }
  }

  std::vector<Segment> segments_;
};

}  // namespace fhirgw::fhir
