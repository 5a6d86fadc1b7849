#include "fhirgw/fhir/reference.hpp"

#include <algorithm>
#include <utility>

#include "primitive_check.hpp"

namespace fhirgw::fhir {
namespace {

bool isAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }

bool isAsciiAlnum(char c) {
  return isAsciiUpper(c) || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Shaped like a resource type name; the validator also looks it up in the R4 tables.
bool isTypeName(std::string_view s) {
  return !s.empty() && isAsciiUpper(s.front()) && std::all_of(s.begin(), s.end(), isAsciiAlnum);
}

}  // namespace

std::optional<LiteralReference> parseLiteralReference(std::string_view text) {
  if (text.empty()) return std::nullopt;
  LiteralReference ref;
  if (text.front() == '#') {
    ref.form = ReferenceForm::kFragment;
    ref.id = text.substr(1);
    return ref;
  }
  for (const auto& [prefix, form] :
       {std::pair{std::string_view("urn:uuid:"), ReferenceForm::kUrnUuid},
        std::pair{std::string_view("urn:oid:"), ReferenceForm::kUrnOid}}) {
    if (text.starts_with(prefix)) {
      ref.form = form;
      ref.id = text.substr(prefix.size());
      return ref;
    }
  }
  std::string_view path = text;
  if (const std::size_t h = path.find("/_history/"); h != std::string_view::npos) {
    ref.version = path.substr(h + 10);
    path = path.substr(0, h);
  }
  const bool absolute = path.find("://") != std::string_view::npos;
  if (const std::size_t q = path.find('?'); !absolute && q != std::string_view::npos) {
    if (!isTypeName(path.substr(0, q))) return std::nullopt;
    ref.form = ReferenceForm::kConditional;
    ref.type = path.substr(0, q);
    ref.query = path.substr(q + 1);
    return ref;
  }
  if (const std::size_t slash = path.rfind('/'); slash != std::string_view::npos) {
    const std::string_view head = path.substr(0, slash);
    const std::size_t typeStart =
        head.rfind('/') == std::string_view::npos ? 0 : head.rfind('/') + 1;
    const std::string_view type = head.substr(typeStart);
    const std::string_view id = path.substr(slash + 1);
    if (isTypeName(type) && detail::matchesRegex(r4::Primitive::kId, id)) {
      ref.form = absolute ? ReferenceForm::kAbsolute : ReferenceForm::kRelative;
      ref.base = head.substr(0, typeStart);
      ref.type = type;
      ref.id = id;
      return ref;
    }
  }
  if (!absolute) return std::nullopt;
  ref.form = ReferenceForm::kOtherUrl;
  return ref;
}

void ReferenceIndex::add(std::string_view resourceType, std::string_view id, std::string fullUrl) {
  const std::size_t position = fullUrls_.size();
  keys_.emplace(std::string(resourceType) + "/" + std::string(id), position);
  keys_.emplace("urn:uuid:" + std::string(id), position);
  keys_.emplace(fullUrl, position);
  fullUrls_.push_back(std::move(fullUrl));
}

std::optional<std::size_t> ReferenceIndex::find(std::string_view reference) const {
  const std::optional<LiteralReference> ref = parseLiteralReference(reference);
  if (!ref) return std::nullopt;
  std::string key;
  switch (ref->form) {
    case ReferenceForm::kUrnUuid:
      key = reference;
      break;
    case ReferenceForm::kRelative:
    case ReferenceForm::kAbsolute:
      key = std::string(ref->type) + "/" + std::string(ref->id);
      break;
    default:
      return std::nullopt;
  }
  const auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace fhirgw::fhir
