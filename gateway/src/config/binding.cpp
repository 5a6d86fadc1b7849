#include "binding.hpp"

#include <algorithm>
#include <cctype>

namespace fhirgw::gateway::detail {
namespace {

using common::FieldValue;
using common::Json;
using common::Shown;

// What a file value is, for "got ...".
std::string describeJson(const Json& n) {
  if (n.isString()) return "the string " + inQuotes(n.text());
  if (n.isNumber()) return "the number " + n.text();
  if (n.isBool()) return n.boolValue() ? "true" : "false";
  return std::string(common::jsonKindName(n.kind()));
}

// server.tls.caFile -> FHIRGW_SERVER_TLS_CAFILE.
std::string envNameOf(std::string_view path) {
  std::string out(kEnvPrefix);
  for (char c : path) {
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean <the candidate nearest to wrong>?)", or "" when none is near.
template <typename Spell>
std::string nearest(const std::string& wrong, const std::set<std::string>& candidates,
                    Spell spell) {
  constexpr std::size_t kMaxDistance = 2;
  std::string best;
  std::size_t bestDistance = kMaxDistance + 1;
  for (const std::string& path : candidates) {
    std::string spelled = spell(path);
    std::size_t d = editDistance(wrong, spelled);
    if (d < bestDistance) {
      bestDistance = d;
      best = std::move(spelled);
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

std::string openHint(const std::string& parent) {
  return " (overrides can only change members of " + parent +
         " that the configuration file or the defaults have)";
}

}  // namespace

common::Result<Json> parseConfigJson(std::string_view text) {
  // The schema nests four levels (rules.neighbouringDepartements[i][j]) and holds short strings;
  // anything far bigger is a mistake. Overrides of array keys are parsed the same way.
  common::JsonLimits limits;
  limits.maxDepth = 16;
  limits.maxStringBytes = std::size_t{64} * 1024;
  limits.maxArrayLength = 1000;
  limits.allowDuplicateNames = true;  // reported by the reader with the key path
  return Json::parse(text, limits);
}

std::string inQuotes(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  out += text.substr(0, kMaxShown);
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

Binding::Binding(const ConfigSources& sources)
    : fileOrigin_("in " + (sources.fileName.empty() ? std::string("the configuration file")
                                                    : sources.fileName)) {
  for (const auto& [name, value] : sources.environment) {
    if (name.starts_with(kEnvPrefix)) env_.push_back({name, value, "from environment " + name});
  }
  for (const auto& [path, value] : sources.sets) {
    sets_.push_back({path, value, "from --set " + path});
  }
}

// A secret shows only its JSON type when it has the wrong one, and never its text.
std::string Binding::describe(const FieldValue& value, Shown shown) const {
  if (shown == Shown::kSecret) {
    return value.json != nullptr ? std::string(common::jsonKindName(value.json->kind()))
                                 : std::string("a value not shown");
  }
  return value.json != nullptr ? describeJson(*value.json) : inQuotes(value.text);
}

std::string_view Binding::originOf(const FieldValue& value) const {
  return value.origin.empty() ? std::string_view(fileOrigin_) : value.origin;
}

void Binding::wrongValue(const std::string& path, std::string_view expected, const FieldValue& got,
                         Shown shown) {
  error(path + ": must be " + std::string(expected) + ", got " + describe(got, shown) + " " +
        std::string(originOf(got)));
}

void Binding::missing(const std::string& path) { error(path + ": is required"); }

void Binding::unknownKey(const std::string& path, std::string_view /*key*/) {
  unknownFileKeys_.push_back(path);
}

void Binding::duplicateKey(const std::string& path) {
  error(path + ": duplicate key " + fileOrigin_);
}

void Binding::error(const std::string& path, std::string_view message) {
  error(path + ": " + std::string(message));
}

std::vector<FieldValue> Binding::overrides(const std::string& path) {
  known(path, leaves_);
  if (!pattern_.empty()) patterned_.insert(path);
  std::vector<FieldValue> found;
  const std::string envName = envNameOf(path);
  for (Override& o : env_) {
    if (o.name != envName) continue;
    o.used = true;
    found.push_back(FieldValue{nullptr, o.value, o.origin});
  }
  for (Override& o : sets_) {
    if (o.name != path) continue;
    o.used = true;
    found.push_back(FieldValue{nullptr, o.value, o.origin});
  }
  return found;
}

common::Result<Json> Binding::parseOverride(std::string_view text) { return parseConfigJson(text); }

void Binding::objectKey(const std::string& path) { known(path, objects_); }

void Binding::accepted(const std::string& path, const FieldValue& from, Shown shown) {
  // An array's elements are not shown: only where the array came from.
  if (from.json != nullptr && from.json->isArray()) {
    sources_[path] = " (" + std::string(originOf(from)) + ")";
    return;
  }
  const std::string shownValue =
      shown == Shown::kSecret ? std::string("a value not shown") : describe(from, shown);
  sources_[path] = ", got " + shownValue + " " + std::string(originOf(from));
}

void Binding::beginMembers(const std::string& objectPath, const std::string& pattern, bool open) {
  patterns_.insert(pattern);
  pattern_ = pattern;
  if (open) openObjects_.insert(objectPath);
}

void Binding::endMembers() { pattern_.clear(); }

void Binding::badMemberName(const std::string& objectPath, std::string_view name) {
  error(objectPath + ": the member name " + inQuotes(name) + " " + fileOrigin_ +
        " must be non-empty and without '.'");
}

std::string Binding::sourceOf(std::string_view message) const {
  const std::string* best = nullptr;
  std::size_t bestLength = 0;
  for (const auto& [path, source] : sources_) {
    if (path.size() < message.size() && path.size() > bestLength && message.starts_with(path) &&
        (message[path.size()] == ':' || message[path.size()] == '[')) {
      best = &source;
      bestLength = path.size();
    }
  }
  return best == nullptr ? std::string() : *best;
}

std::vector<std::string> Binding::keys() const {
  std::set<std::string> out(patterns_);
  for (const std::string& path : leaves_) {
    if (patterned_.count(path) == 0) out.insert(path);
  }
  return {out.begin(), out.end()};
}

common::Status Binding::finish() {
  for (const std::string& path : unknownFileKeys_) {
    error(path + ": unknown key " + fileOrigin_ + hintForPath(path));
  }
  for (const Override& o : env_) {
    if (!o.used) {
      error("environment " + o.name + ": unknown configuration key" + hintForEnv(o.name));
    }
  }
  for (const Override& o : sets_) {
    if (!o.used) error("--set " + o.name + ": unknown key" + hintForPath(o.name));
  }
  return common::invalidArgumentOf(errors_);
}

void Binding::known(const std::string& path, std::set<std::string>& into) {
  into.insert(path);
  // Upper-casing could make two keys share a variable. The schema must never do that; names
  // taken from the file (rules.tariffs.tc and rules.tariffs.TC) can, and are refused.
  auto [it, inserted] = envPaths_.emplace(envNameOf(path), path);
  if (!inserted && it->second != path) {
    if (pattern_.empty()) {
      error("configuration schema: " + path + " and " + it->second + " share variable " +
            it->first);
    } else {
      error(path + ": must not differ from " + it->second + " only in case (both would be " +
            "variable " + it->first + ") " + fileOrigin_);
    }
  }
}

// The open object an unknown path would be a new member of, or "".
std::string Binding::openParentOf(const std::string& path) const {
  std::size_t dot = path.rfind('.');
  if (dot == std::string::npos) return {};
  std::string parent = path.substr(0, dot);
  return openObjects_.count(parent) != 0 ? parent : std::string();
}

// An object named where a key belongs, or a near miss of a known key.
std::string Binding::hintForPath(const std::string& path) const {
  if (objects_.count(path) != 0) return " (" + path + " is an object: set one of its keys)";
  std::string hint = nearest(path, leaves_, [](const std::string& p) { return p; });
  if (std::string parent = openParentOf(path); !parent.empty()) return openHint(parent) + hint;
  return hint;
}

std::string Binding::hintForEnv(const std::string& name) const {
  auto it = envPaths_.find(name);
  if (it != envPaths_.end() && objects_.count(it->second) != 0) {
    return " (" + it->second + " is an object: set one of its keys)";
  }
  std::string hint = nearest(name, leaves_, envNameOf);
  for (const std::string& parent : openObjects_) {
    if (name.starts_with(envNameOf(parent) + "_")) return openHint(parent) + hint;
  }
  return hint;
}

}  // namespace fhirgw::gateway::detail
