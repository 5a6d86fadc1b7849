#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/fhir/issues.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"

namespace fhirgw::fhir {

/// How JSON numbers appear in a rapidjson::Value given to Validator::validate.
enum class NumberEncoding {
  kNative,           ///< built in code: numbers are RapidJSON numbers, strings are strings
  kDigitsAsStrings,  ///< numbers held as strings of digits with nothing telling them apart (e.g.
                     ///< a JsonDocument's root() passed alone): JSON number versus JSON string is
                     ///< then not checked, only the lexical form
};

/// Where a profile check reports: the validation's issue sink, at the path of the resource being
/// checked. A check reports under a sub-element either by a relative path ("identifier") or by
/// opening scopes on path() (`auto at = issues.path().withField("identifier");`).
class ProfileIssues {
 public:
  ProfileIssues(ScopedPath& path, std::string_view profile, IssueSink& sink)
      : path_(path), profile_(profile), sink_(sink) {}

  /// Adds an issue at `relativePath` under the current path ("value"; "" for the element
  /// itself); the diagnostics get the profile name prepended.
  void add(IssueSeverity severity, std::string_view code, std::string_view relativePath,
           std::string_view diagnostics, std::string_view detailsText);
  /// add() with severity error.
  void error(std::string_view code, std::string_view relativePath, std::string_view diagnostics,
             std::string_view detailsText) {
    add(IssueSeverity::kError, code, relativePath, diagnostics, detailsText);
  }
  /// The path of the resource being checked, for scopes.
  ScopedPath& path() { return path_; }

 private:
  ScopedPath& path_;
  std::string_view profile_;
  IssueSink& sink_;
};

/// The constraints of one profile beyond base R4, checked on resources that claim it in
/// meta.profile (after base validation of the resource).
class ProfileCheck {
 public:
  virtual ~ProfileCheck() = default;
  /// Short name used in diagnostics ("fr-core-patient-ins").
  virtual std::string_view name() const = 0;
  /// Checks resource (a JSON object whose resourceType the base validation accepted).
  virtual void check(const rapidjson::Value& resource, ProfileIssues& issues) const = 0;
};

/// Options fixed when the validator is built.
struct ValidatorOptions {
  /// Report, as information, profiles claimed in meta.profile that no registered check covers.
  bool reportUncheckedProfiles = true;
};

/// FHIR R4 (4.0.1) validator driven by tables generated from the official StructureDefinitions
/// (see docs/fhir-validation.md). Immutable after set-up; validate() may run on many threads.
class Validator {
 public:
  /// A validator of base R4 with no profile check registered.
  explicit Validator(ValidatorOptions options = {});
  ~Validator();
  Validator(Validator&&) noexcept;
  Validator& operator=(Validator&&) noexcept;

  /// Registers the check of the profile with this canonical URL (without "|version"); replaces
  /// a previous one. Call during set-up only.
  void registerProfile(std::string canonicalUrl, std::unique_ptr<ProfileCheck> check);

  /// Validates a resource, a Bundle with its entries, and their contained resources.
  std::vector<Issue> validate(const rapidjson::Value& resource,
                              NumberEncoding numbers = NumberEncoding::kNative) const;
  /// Validates a parsed text, telling JSON numbers from JSON strings exactly (so both
  /// `"birthDate": 19790312` and `"valueInteger": "5"` are caught).
  std::vector<Issue> validate(const common::JsonDocument& json) const;
  /// Parses and validates text; a parse failure is a kInvalidArgument Status.
  common::Result<std::vector<Issue>> validateText(std::string_view text,
                                                  const common::JsonLimits& limits = {}) const;

  /// True when resourceType names a concrete R4 resource type.
  static bool isResourceType(std::string_view resourceType);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fhirgw::fhir
