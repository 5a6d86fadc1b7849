// The public face of the validator; the work is in validation/ (catalog, walker, bindings,
// references and the per-type invariants).

#include "fhirgw/fhir/validator.hpp"

#include <optional>
#include <utility>

#include "r4_tables.hpp"
#include "validation/catalog.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir {

void ProfileIssues::add(IssueSeverity severity, std::string_view code,
                        std::string_view relativePath, std::string_view diagnostics,
                        std::string_view detailsText) {
  sink_.add(Issue{.severity = severity,
                  .code = std::string(code),
                  .detailsText = std::string(detailsText),
                  .diagnostics = std::string(profile_) + ": " + std::string(diagnostics),
                  .expression = path_.child(relativePath)});
}

struct Validator::Impl {
  explicit Impl(ValidatorOptions o) : catalog(o) {}
  validation::Catalog catalog;
};

Validator::Validator(ValidatorOptions options) : impl_(std::make_unique<Impl>(options)) {}
Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

void Validator::registerProfile(std::string canonicalUrl, std::unique_ptr<ProfileCheck> check) {
  impl_->catalog.profiles[std::move(canonicalUrl)] = std::move(check);
}

std::vector<Issue> Validator::validate(const rapidjson::Value& resource,
                                       NumberEncoding numbers) const {
  IssueSink sink;
  validation::Walker(impl_->catalog, numbers, nullptr, sink).root(resource);
  return sink.take();
}

std::vector<Issue> Validator::validate(const common::JsonDocument& json) const {
  IssueSink sink;
  validation::Walker(impl_->catalog, NumberEncoding::kDigitsAsStrings, &json, sink)
      .root(json.root());
  return sink.take();
}

common::Result<std::vector<Issue>> Validator::validateText(std::string_view text,
                                                           const common::JsonLimits& limits) const {
  // Duplicate properties are reported by the validation itself, at their FHIR path.
  common::JsonLimits withDuplicates = limits;
  withDuplicates.allowDuplicateNames = true;
  common::Result<common::JsonDocument> parsed = common::parseJson(text, withDuplicates);
  if (!parsed) return parsed.error();
  return validate(*parsed);
}

bool Validator::isResourceType(std::string_view resourceType) {
  const r4::Tables& t = r4::tables();
  const std::optional<std::uint16_t> type = r4::findResourceType(t, resourceType);
  return type && t.types[*type].kind == r4::TypeKind::kResource;
}

}  // namespace fhirgw::fhir
