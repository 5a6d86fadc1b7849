#pragma once

// One validation run: walks a JSON resource along the R4 tables (resources, objects, fields,
// primitives), keeping the element path, and hands each type's hand-written checks the walker so
// they report through the same sink at the same path.

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/issues.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "r4_tables.hpp"
#include "validation/catalog.hpp"

namespace fhirgw::fhir::validation {

/// One validation: not thread-safe, cheap to build, used once.
class Walker {
 public:
  Walker(const Catalog& catalog, NumberEncoding numbers, const common::JsonDocument* parsed,
         IssueSink& sink);

  /// Validates v as a top-level resource.
  void root(const rapidjson::Value& v);

  // ---- for the type checks ----

  /// The tables and what is derived from them.
  const Catalog& catalog() const { return c_; }
  /// The path of the object being checked; checks open scopes on it for sub-elements.
  ScopedPath& path() { return path_; }
  /// The current path as text.
  std::string where() const { return path_.str(); }
  /// The path of a child of the current element.
  std::string whereChild(std::string_view child) const { return path_.child(child); }

  /// Reports an issue at location.
  void add(IssueSeverity severity, std::string_view code, std::string location,
           std::string diagnostics, std::string_view french);
  /// add() with severity error.
  void error(std::string_view code, std::string location, std::string diagnostics,
             std::string_view french) {
    add(IssueSeverity::kError, code, std::move(location), std::move(diagnostics), french);
  }
  /// An R4 invariant broken at location: "key: human".
  void invariant(std::string_view key, std::string location, std::string_view human);

  /// Notes a "#id" reference found at location, for ref-1 once the enclosing resource's contained
  /// resources are all known.
  void noteLocalReference(std::string_view id, std::string location);

 private:
  /// How a value appears in JSON, as far as the document lets us know.
  enum class JsonKind : std::uint8_t {
    kNull,
    kBool,
    kNumber,
    kString,
    kNumberOrString,
    kObject,
    kArray
  };
  /// Where a resource sits.
  enum class Role : std::uint8_t { kTop, kContained };
  enum class ObjectRole : std::uint8_t { kResource, kElement, kPrimitiveExtension };
  /// The contained resources of a top resource and the local references made inside it.
  struct Scope {
    std::vector<std::string_view> containedIds;
    std::vector<std::pair<std::string_view, std::string>> localRefs;  // id, location
  };

  JsonKind kind(const rapidjson::Value& v) const;

  // resources
  void resource(const rapidjson::Value& v, std::optional<std::uint16_t> declared, Role role);
  void containedRules(const rapidjson::Value& v);
  void profiles(const rapidjson::Value& v);

  // objects and fields
  bool seenHas(std::size_t mark, std::uint32_t code) const;
  void object(const rapidjson::Value& obj, std::uint16_t typeIndex, ObjectRole role);
  void complexField(const r4::FieldDef& f, const rapidjson::Value& v);
  void complexItem(const r4::FieldDef& f, const rapidjson::Value& v);

  // primitives
  void primitiveField(const r4::FieldDef& f, const rapidjson::Value* value,
                      const rapidjson::Value* ext);
  void primitiveExtension(const rapidjson::Value& v, bool hasValue);
  void primitiveValue(const r4::FieldDef& f, r4::Primitive p, const rapidjson::Value& v);
  void nativeNumber(r4::Primitive p, std::string_view typeName, const rapidjson::Value& v);
  void xhtml(std::string_view text);

  const Catalog& c_;
  const r4::Tables& t_;
  NumberEncoding numbers_;
  const common::JsonDocument* parsed_;
  IssueSink& sink_;
  ScopedPath path_;
  std::vector<std::uint32_t> seen_;
  std::vector<Scope> scopes_;
};

}  // namespace fhirgw::fhir::validation
