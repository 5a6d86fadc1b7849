#include "fhirgw/gateway/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/mappings/rule_config.hpp"
#include "fhirgw/mappings/rules.hpp"
#include "fhirgw/mappings/teleconsultation.hpp"

extern char** environ;  // POSIX; not every libc header declares it

namespace fhirgw::gateway {
namespace {

constexpr std::string_view kEnvPrefix = "FHIRGW_";
constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
// Bodies are held in memory and RapidJSON lengths are 32-bit: 1 GiB is far past any sane limit.
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 30;
// canonicalJson and the FHIR walkers recurse, so the depth limit must stay small.
constexpr std::int64_t kMaxJsonDepth = 1024;
constexpr std::int64_t kMaxMillis = std::int64_t{24} * 3600 * 1000;
constexpr std::int64_t kMaxPercent = 100;
// An encounter announced more than a day ahead is a wrong clock or a wrong date, not a margin.
constexpr std::int64_t kMaxStartAheadSeconds = std::int64_t{24} * 3600;
constexpr std::size_t kMinTokenLength = 16;

// ---------------------------------------------------------------------------------------------
// The file as the common ordered tree: its scalars say whether they were JSON numbers or JSON
// strings, and duplicate names stay (reported below with the key path).

using common::Json;
using common::JsonKind;
using common::JsonMember;

common::Result<Json> parseFile(std::string_view text) {
  // The schema nests four levels (rules.neighbouringDepartements[i][j]) and holds short strings;
  // anything far bigger is a mistake. Overrides of array keys are parsed the same way.
  common::JsonLimits limits;
  limits.maxDepth = 16;
  limits.maxStringBytes = std::size_t{64} * 1024;
  limits.maxArrayLength = 1000;
  limits.allowDuplicateNames = true;  // reported below with the key path
  return Json::parse(text, limits);
}

// ---------------------------------------------------------------------------------------------
// Small text helpers.

std::string_view kindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return "a boolean";
    case JsonKind::kNumber:
      return "a number";
    case JsonKind::kString:
      return "a string";
    case JsonKind::kObject:
      return "an object";
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kRaw:  // never parsed
      break;
  }
  return "a value";
}

// Quoted and cut short: a message must stay one readable line.
std::string inQuotes(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  out += text.substr(0, kMaxShown);
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

// What a file value is, for "got ..."; secrets show only their JSON type.
std::string describeFileValue(const Json& n, bool secret) {
  if (secret) return std::string(kindName(n.kind()));
  if (n.isString()) return "the string " + inQuotes(n.text());
  if (n.isNumber()) return "the number " + n.text();
  if (n.isBool()) return n.boolValue() ? "true" : "false";
  return std::string(kindName(n.kind()));
}

std::string joinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

// server.tls.caFile -> FHIRGW_SERVER_TLS_CAFILE.
std::string envNameOf(std::string_view path) {
  std::string out(kEnvPrefix);
  for (char c : path) {
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Integers as JSON writes them: -?(0|[1-9][0-9]*). Anything else (spaces, "+1", "08", "1e3",
// "1.0") is refused, from the file and from overrides alike.
std::optional<std::int64_t> parseInteger(std::string_view text) {
  std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
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

bool isReadableFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  return in.good();
}

// ---------------------------------------------------------------------------------------------
// Binding: the schema is read by code (bindSchema); every key it asks for becomes known, and
// whatever no key asked for (file members, variables, --set entries) is reported afterwards.

/// An environment variable or a --set entry, and whether some key consumed it.
struct Override {
  std::string name;  ///< FHIRGW_SERVER_PORT, or server.port for --set
  std::string value;
  std::string origin;  ///< for messages: "from environment FHIRGW_SERVER_PORT"
  bool used = false;
};

/// State of one loadConfig call: sources, known keys, errors.
class Binding {
 public:
  explicit Binding(const ConfigSources& sources)
      : fileOrigin_("in " + (sources.fileName.empty() ? std::string("the configuration file")
                                                      : sources.fileName)) {
    for (const auto& [name, value] : sources.environment) {
      if (name.starts_with(kEnvPrefix)) {
        env_.push_back({name, value, "from environment " + name});
      }
    }
    for (const auto& [path, value] : sources.sets) {
      sets_.push_back({path, value, "from --set " + path});
    }
  }

  void error(std::string message) { errors_.push_back(std::move(message)); }
  const std::string& fileOrigin() const { return fileOrigin_; }

  /// Records a leaf key; returns its overrides, lowest precedence first, marked used.
  std::vector<const Override*> leaf(const std::string& path) {
    known(path, leaves_);
    if (!pattern_.empty()) patterned_.insert(path);
    std::vector<const Override*> found;
    const std::string envName = envNameOf(path);
    for (Override& o : env_) {
      if (o.name == envName) found.push_back(use(o));
    }
    for (Override& o : sets_) {
      if (o.name == path) found.push_back(use(o));
    }
    return found;
  }
  /// Records an object key.
  void object(const std::string& path) { known(path, objects_); }
  /// Records an object whose member names are data taken from the file (rules.tariffs).
  void openObject(const std::string& path) { openObjects_.insert(path); }
  /// Until endPattern, leaves are members named by data, documented as `pattern` instead.
  void beginPattern(std::string pattern) {
    patterns_.insert(pattern);
    pattern_ = std::move(pattern);
  }
  void endPattern() { pattern_.clear(); }
  /// Remembers where the value now held by a leaf came from (", got 5 in gateway.json").
  void recordSource(const std::string& path, std::string source) {
    sources_[path] = std::move(source);
  }
  /// The recorded source of the leaf a message is about ("rules.tariffs.TCG: ..." or
  /// "rules.neighbouringDepartements[0]: ..."), or "" when the value is a default.
  std::string sourceOf(std::string_view message) const {
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
  /// Leaves and patterns, sorted; the leaves a pattern stands for are left out.
  std::vector<std::string> keys() const {
    std::set<std::string> out(patterns_);
    for (const std::string& path : leaves_) {
      if (patterned_.count(path) == 0) out.insert(path);
    }
    return {out.begin(), out.end()};
  }
  /// A file member that no key asked for; reported by finish() once every key is known.
  void unknownFileKey(std::string path) { unknownFileKeys_.push_back(std::move(path)); }

  /// Reports what nothing consumed; returns every error joined, or ok.
  common::Status finish() {
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
    if (errors_.empty()) return common::Status::ok();
    std::string joined;
    for (const std::string& e : errors_) {
      if (!joined.empty()) joined += "; ";
      joined += e;
    }
    return common::invalidArgument(joined);
  }

 private:
  static const Override* use(Override& o) {
    o.used = true;
    return &o;
  }
  void known(const std::string& path, std::set<std::string>& into) {
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
  std::string openParentOf(const std::string& path) const {
    std::size_t dot = path.rfind('.');
    if (dot == std::string::npos) return {};
    std::string parent = path.substr(0, dot);
    return openObjects_.count(parent) != 0 ? parent : std::string();
  }
  static std::string openHint(const std::string& parent) {
    return " (overrides can only change members of " + parent +
           " that the configuration file or the defaults have)";
  }
  // An object named where a key belongs, or a near miss of a known key.
  std::string hintForPath(const std::string& path) const {
    if (objects_.count(path) != 0) return " (" + path + " is an object: set one of its keys)";
    std::string hint = nearest(path, leaves_, [](const std::string& p) { return p; });
    if (std::string parent = openParentOf(path); !parent.empty()) return openHint(parent) + hint;
    return hint;
  }
  std::string hintForEnv(const std::string& name) const {
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
  template <typename Spell>
  static std::string nearest(const std::string& wrong, const std::set<std::string>& candidates,
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

  std::string fileOrigin_;
  std::vector<Override> env_;
  std::vector<Override> sets_;  // in command-line order: a later entry wins
  std::set<std::string> leaves_;
  std::set<std::string> objects_;
  std::set<std::string> openObjects_;
  std::set<std::string> patterns_;               // rules.tariffs.<ACT>
  std::set<std::string> patterned_;              // leaves named by data, documented by a pattern
  std::string pattern_;                          // set between beginPattern and endPattern
  std::map<std::string, std::string> sources_;   // leaf path -> where its value came from
  std::map<std::string, std::string> envPaths_;  // variable name -> key path
  std::vector<std::string> unknownFileKeys_;
  std::vector<std::string> errors_;
};

enum class Shown { kValue, kSecret };

/// Where the member names of an object that holds data (rules.tariffs.<ACT>) come from.
enum class Names {
  kListed,         ///< a fixed list (rule IDs); any other member is an unknown key
  kListedAndFile,  ///< the list (the defaults) and any member the file adds
};

/// Reads the typed members of one configuration object, by key, from the file and overrides.
class ObjectReader {
 public:
  /// Reports an error found by a check outside the reader (the message names its key path).
  void error(std::string message) { binding_.error(std::move(message)); }

  ObjectReader(Binding& binding, std::string path, const Json* node)
      : binding_(binding), path_(std::move(path)), node_(node), sawValue_(node != nullptr) {
    if (node_ == nullptr) return;
    const std::vector<JsonMember>& members = node_->members();
    read_.assign(members.size(), false);
    for (std::size_t i = 0; i < members.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (members[j].key == members[i].key) {
          binding_.error(joinPath(path_, members[i].key) + ": duplicate key " +
                         binding_.fileOrigin());
          read_[i] = true;  // reported once, as a duplicate, not again as unknown
          break;
        }
      }
    }
  }

  // Each leaf reader stores the last good value of the key into out and returns true when some
  // source gave one; out keeps its default otherwise.

  bool text(std::string_view key, std::string& out, Shown shown = Shown::kValue) {
    return leaf(key, JsonKind::kString, "a string", shown, [&out](std::string_view t) {
      out = t;
      return true;
    });
  }

  bool flag(std::string_view key, bool& out) {
    return leaf(key, JsonKind::kBool, "true or false", Shown::kValue, [&out](std::string_view t) {
      if (t != "true" && t != "false") return false;
      out = t == "true";
      return true;
    });
  }

  template <typename Int>
  bool integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    return whole(key, "an integer between " + std::to_string(min) + " and " + std::to_string(max),
                 min, max, [&out](std::int64_t v) { out = static_cast<Int>(v); });
  }

  bool milliseconds(std::string_view key, std::chrono::milliseconds& out, std::int64_t min,
                    std::int64_t max) {
    return whole(key,
                 "a whole number of milliseconds between " + std::to_string(min) + " and " +
                     std::to_string(max),
                 min, max, [&out](std::int64_t v) { out = std::chrono::milliseconds(v); });
  }

  bool seconds(std::string_view key, std::chrono::seconds& out, std::int64_t min,
               std::int64_t max) {
    return whole(
        key,
        "a whole number of seconds between " + std::to_string(min) + " and " + std::to_string(max),
        min, max, [&out](std::int64_t v) { out = std::chrono::seconds(v); });
  }

  bool logLevel(std::string_view key, common::LogLevel& out) {
    return leaf(key, JsonKind::kString, "one of debug, info, warning, error", Shown::kValue,
                [&out](std::string_view t) { return common::parseLogLevel(t, out); });
  }

  /// A string leaf from a closed set of codes; parse(text) -> std::optional<T>.
  template <typename T, typename Parse>
  bool code(std::string_view key, std::string_view expected, T& out, Parse parse) {
    return leaf(key, JsonKind::kString, expected, Shown::kValue, [&](std::string_view t) {
      std::optional<T> v = parse(t);
      if (v) out = *v;
      return v.has_value();
    });
  }

  /// An array leaf whose elements are converted by convert(const Json&) -> std::optional<T>.
  /// From the file it is a JSON array; an override gives the same array as JSON text
  /// (--set 'rules.forbiddenMajorations=["F","MN"]'). A value replaces the whole array, and only
  /// when every element converts.
  template <typename T, typename Convert>
  bool array(std::string_view key, std::string_view expected, std::string_view elementExpected,
             std::vector<T>& out, Convert convert) {
    const std::string path = joinPath(path_, key);
    bool stored = false;
    auto read = [&](const Json& n, const std::string& got, const std::string& origin) {
      if (!n.isArray()) {
        binding_.error(path + ": must be " + std::string(expected) + ", got " + got + " " + origin);
        return;
      }
      std::vector<T> values;
      bool good = true;
      for (std::size_t i = 0; i < n.items().size(); ++i) {
        std::optional<T> v = convert(n.items()[i]);
        if (v) {
          values.push_back(std::move(*v));
          continue;
        }
        good = false;
        std::string message = path + "[" + std::to_string(i) + "]: must be ";
        message += elementExpected;
        message += ", got " + describeFileValue(n.items()[i], false) + " " + origin;
        binding_.error(std::move(message));
      }
      if (!good) return;
      out = std::move(values);
      stored = true;
      binding_.recordSource(path, " (" + origin + ")");
    };
    if (const Json* n = take(key)) {
      sawValue_ = true;
      read(*n, describeFileValue(*n, false), binding_.fileOrigin());
    }
    for (const Override* o : binding_.leaf(path)) {
      sawValue_ = true;
      common::Result<Json> parsed = parseFile(o->value);
      if (parsed) {
        read(*parsed, inQuotes(o->value), o->origin);
      } else {
        binding_.error(path + ": must be " + std::string(expected) + " written as JSON, got " +
                       inQuotes(o->value) + " " + o->origin);
      }
    }
    return stored;
  }

  /// Binds members whose names are data, documented as <path>.<placeholder>: each of `listed`
  /// with read(*this, name) and, with Names::kListedAndFile, each file member no key has read
  /// yet (so bind the fixed keys of the object first). Overrides reach only those names: a new
  /// name can come from the file only.
  template <typename Read>
  void members(std::string_view placeholder, std::vector<std::string> listed, Names names,
               Read read) {
    binding_.beginPattern(joinPath(path_, "<" + std::string(placeholder) + ">"));
    if (names == Names::kListedAndFile) {
      binding_.openObject(path_);
      for (std::size_t i = 0; node_ != nullptr && i < node_->members().size(); ++i) {
        const std::string& name = node_->members()[i].key;
        if (read_[i] || std::find(listed.begin(), listed.end(), name) != listed.end()) continue;
        if (name.empty() || name.find('.') != std::string::npos) {
          // A dot would make the key path ambiguous, and an empty name has none.
          read_[i] = true;
          binding_.error(path_ + ": the member name " + inQuotes(name) + " " +
                         binding_.fileOrigin() + " must be non-empty and without '.'");
          continue;
        }
        listed.push_back(name);
      }
    }
    for (const std::string& name : listed) read(*this, name);
    binding_.endPattern();
  }

  /// Binds the object member `key` with bind(ObjectReader&), whether or not the file has it, so
  /// overrides reach its leaves. True when the file has it or an override set one of its leaves.
  template <typename Bind>
  bool object(std::string_view key, Bind&& bind) {
    std::string path = joinPath(path_, key);
    binding_.object(path);
    const Json* n = take(key);
    if (n != nullptr && !n->isObject()) {
      binding_.error(path + ": must be an object, got " + describeFileValue(*n, false) + " " +
                     binding_.fileOrigin());
      n = nullptr;
    }
    ObjectReader child(binding_, std::move(path), n);
    std::forward<Bind>(bind)(child);
    child.finish();
    return child.sawValue_;
  }

  /// Reports the members of the file object that no key asked for.
  void finish() {
    if (node_ == nullptr) return;
    for (std::size_t i = 0; i < read_.size(); ++i) {
      if (!read_[i]) binding_.unknownFileKey(joinPath(path_, node_->members()[i].key));
    }
  }

 private:
  // Reads an integer leaf and hands the checked value to store.
  template <typename Store>
  bool whole(std::string_view key, const std::string& expected, std::int64_t min, std::int64_t max,
             Store store) {
    return leaf(key, JsonKind::kNumber, expected, Shown::kValue, [&](std::string_view t) {
      std::optional<std::int64_t> v = parseInteger(t);
      if (!v || *v < min || *v > max) return false;
      store(*v);
      return true;
    });
  }

  // Feeds each source of the leaf to parse, lowest precedence first, so the last good one wins;
  // every bad one is reported, even when a higher source would have replaced it. True when a
  // source gave a good value.
  template <typename Parse>
  bool leaf(std::string_view key, JsonKind fileKind, std::string_view expected, Shown shown,
            Parse parse) {
    const std::string path = joinPath(path_, key);
    const bool secret = shown == Shown::kSecret;
    bool stored = false;
    // Remembered for the checks on merged values (validateRuleConfig), which name the key only.
    auto good = [&](const std::string& got, const std::string& origin) {
      stored = true;
      binding_.recordSource(path, ", got " + got + " " + origin);
    };
    auto fail = [&](const std::string& got, const std::string& origin) {
      binding_.error(path + ": must be " + std::string(expected) + ", got " + got + " " + origin);
    };
    if (const Json* n = take(key)) {
      sawValue_ = true;
      const std::string shownValue =
          secret ? std::string("a value not shown") : describeFileValue(*n, false);
      // A boolean is parsed from its text, as an override is.
      const std::string_view text =
          n->isBool() ? std::string_view(n->boolValue() ? "true" : "false") : n->text();
      if (n->kind() != fileKind) {
        fail(describeFileValue(*n, secret), binding_.fileOrigin());
      } else if (!parse(text)) {
        fail(shownValue, binding_.fileOrigin());
      } else {
        good(shownValue, binding_.fileOrigin());
      }
    }
    for (const Override* o : binding_.leaf(path)) {
      sawValue_ = true;
      const std::string shownValue = secret ? std::string("a value not shown") : inQuotes(o->value);
      if (!parse(std::string_view(o->value))) {
        fail(shownValue, o->origin);
      } else {
        good(shownValue, o->origin);
      }
    }
    return stored;
  }

  // The file member named key, marked read; null when absent.
  const Json* take(std::string_view key) {
    if (node_ == nullptr) return nullptr;
    for (std::size_t i = 0; i < node_->members().size(); ++i) {
      if (node_->members()[i].key == key) {
        read_[i] = true;
        return &node_->members()[i].value;
      }
    }
    return nullptr;
  }

  Binding& binding_;
  std::string path_;
  const Json* node_;        // null when the file lacks this object
  std::vector<bool> read_;  // per member of node_
  bool sawValue_;
};

// ---------------------------------------------------------------------------------------------
// The schema: the only list of key names. Defaults are the struct initialisers.

void bindTls(ObjectReader& r, TlsConfig& tls) {
  r.text("certificateFile", tls.certificateFile);
  r.text("privateKeyFile", tls.privateKeyFile);
  r.text("caFile", tls.caFile);
  r.flag("requireClientCertificate", tls.requireClientCertificate);
}

template <typename Value>
std::vector<std::string> namesOf(const std::map<std::string, Value, std::less<>>& map) {
  std::vector<std::string> names;
  names.reserve(map.size());
  for (const auto& entry : map) names.push_back(entry.first);
  return names;
}

std::vector<std::string> ruleIds() {
  std::vector<std::string> ids;
  for (const mappings::RuleInfo* info : mappings::ruleCatalogue()) {
    if (info != nullptr) ids.emplace_back(info->id);
  }
  return ids;
}

std::string relationCodes() { return "one of " + mappings::kRelationCodes.join(", "); }

std::optional<std::string> nonEmptyString(const Json& n) {
  if (!n.isString() || n.text().empty()) return std::nullopt;
  return n.text();
}

// The codes themselves are checked by validateRuleConfig, which knows the département forms.
std::optional<std::pair<std::string, std::string>> stringPair(const Json& n) {
  if (!n.isArray() || n.items().size() != 2) return std::nullopt;
  const Json& a = n.items()[0];
  const Json& b = n.items()[1];
  if (!a.isString() || !b.isString()) return std::nullopt;
  return std::make_pair(a.text(), b.text());
}

std::optional<mappings::Relation> relation(const Json& n) {
  if (!n.isString()) return std::nullopt;
  return mappings::parseRelation(n.text());
}

// "YYYY-MM-DD", or "" for no date (a rule in force since always, or with no end).
std::optional<std::optional<mappings::Date>> optionalDate(std::string_view text) {
  if (text.empty()) return std::optional<mappings::Date>{};
  std::optional<mappings::Date> day = mappings::Date::parse(text);
  if (!day) return std::nullopt;
  return std::optional<std::optional<mappings::Date>>{std::in_place, day};
}

// rules.effectiveFrom.<RULE-ID> / rules.effectiveUntil.<RULE-ID>: one bound of the effective
// periods (docs/rules.md, Rules in force by date).
void bindEffectiveDates(ObjectReader& r, std::string_view key,
                        std::map<std::string, std::optional<mappings::Date>, std::less<>>& dates) {
  r.object(key, [&dates](ObjectReader& d) {
    d.members("RULE-ID", ruleIds(), Names::kListed,
              [&dates](ObjectReader& m, const std::string& id) {
                std::optional<mappings::Date> day;
                if (m.code(id, "a date YYYY-MM-DD, or \"\" for none", day, optionalDate)) {
                  dates[id] = day;
                }
              });
  });
}

// rules.*: the settings of the rule engine (docs/rules.md). Maps are merged into the defaults:
// a file adds acts and specialties, and changes the default ones; arrays replace the default.
void bindRules(ObjectReader& r, mappings::RuleConfig& rules) {
  r.object("severity", [&rules](ObjectReader& s) {
    s.members("RULE-ID", ruleIds(), Names::kListed,
              [&rules](ObjectReader& m, const std::string& id) {
                mappings::RuleSeverity severity = mappings::RuleSeverity::kError;
                if (m.code(id, "one of " + mappings::kRuleSeverityCodes.join(", "), severity,
                           mappings::parseRuleSeverity)) {
                  rules.severities[id] = severity;
                }
              });
  });
  bindEffectiveDates(r, "effectiveFrom", rules.effectiveFrom);
  bindEffectiveDates(r, "effectiveUntil", rules.effectiveUntil);
  r.object("tariffs", [&rules](ObjectReader& t) {
    t.members("ACT", namesOf(rules.tariffs), Names::kListedAndFile,
              [&rules](ObjectReader& m, const std::string& act) {
                std::string amount;
                if (m.text(act, amount)) rules.tariffs[act] = amount;
              });
  });
  // Who may bill each act (BILL-ACT): maps of lists; a list in the file replaces the default.
  for (auto* table : {&rules.actSpecialties, &rules.actSectors}) {
    const bool specialties = table == &rules.actSpecialties;
    r.object(specialties ? "actSpecialties" : "actSectors", [table, specialties](ObjectReader& t) {
      t.members("ACT", namesOf(*table), Names::kListedAndFile,
                [table, specialties](ObjectReader& m, const std::string& act) {
                  std::vector<std::string> list;
                  if (m.array(act,
                              specialties ? "an array of specialty codes"
                                          : "an array of sector codes (1, 2, 2-optam, "
                                            "non-conventioned, none)",
                              "a non-empty string", list, nonEmptyString)) {
                    (*table)[act] = std::move(list);
                  }
                });
    });
  }
  r.array("fallbackActs", "an array of act codes", "a non-empty string", rules.fallbackActs,
          nonEmptyString);
  r.object("activityCap", [&rules](ObjectReader& a) {
    a.integer("default", rules.activityCapDefaultPercent, 0, kMaxPercent);
    a.members("specialty", namesOf(rules.activityCapPercentBySpecialty), Names::kListedAndFile,
              [&rules](ObjectReader& m, const std::string& specialty) {
                int percent = 0;
                if (m.integer(specialty, percent, 0, kMaxPercent)) {
                  rules.activityCapPercentBySpecialty[specialty] = percent;
                }
              });
  });
  r.array("forbiddenMajorations", "an array of majoration codes", "a non-empty string",
          rules.forbiddenMajorations, nonEmptyString);
  r.flag("acceptTestInsOids", rules.acceptTestInsOids);
  r.array("neighbouringDepartements", "an array of pairs of département codes",
          "a pair of strings such as [\"51\", \"02\"]", rules.neighbouringDepartements, stringPair);
  r.object("postalCodeDepartements", [&rules](ObjectReader& p) {
    p.members("POSTAL-CODE", namesOf(rules.postalCodeDepartements), Names::kListedAndFile,
              [&rules](ObjectReader& m, const std::string& postalCode) {
                std::string departement;
                if (m.text(postalCode, departement)) {
                  rules.postalCodeDepartements[postalCode] = departement;
                }
              });
  });
  r.integer("maxDocumentBytes", rules.maxDocumentBytes, 1, kMaxBytes);
  r.array("sickLeaveExemptRelations", "an array of relation codes", relationCodes(),
          rules.sickLeaveExemptRelations, relation);
  r.seconds("maxStartAheadSeconds", rules.maxStartAhead, 0, kMaxStartAheadSeconds);
  r.object("sickLeaveDurationCapMonths", [&rules](ObjectReader& m) {
    constexpr std::int64_t kMaxMonths = 120;
    m.integer("initial", rules.sickLeaveCapMonthsInitial, 1, kMaxMonths);
    m.integer("prolongation", rules.sickLeaveCapMonthsProlongation, 1, kMaxMonths);
  });
}

// Deadlines, caps and head limits of a listener (docs/operations.md, Limits).
void bindListenerLimits(ObjectReader& r, ListenerConfig& l) {
  constexpr std::int64_t kMaxConnections = 1000000;
  constexpr std::int64_t kMaxHeadBytes = std::int64_t{1} << 20;
  constexpr std::int64_t kMaxHeaderCount = 10000;
  r.milliseconds("headerTimeoutMs", l.headerTimeout, 1, kMaxMillis);
  r.milliseconds("bodyTimeoutMs", l.bodyTimeout, 1, kMaxMillis);
  r.milliseconds("keepAliveTimeoutMs", l.keepAliveTimeout, 1, kMaxMillis);
  r.integer("maxConnections", l.maxConnections, 1, kMaxConnections);
  r.integer("maxConnectionsPerPeer", l.maxConnectionsPerPeer, 1, kMaxConnections);
  r.integer("maxRequestLineBytes", l.maxRequestLineBytes, 64, kMaxHeadBytes);
  r.integer("maxHeaderBytes", l.maxHeaderBytes, 256, kMaxHeadBytes);
  r.integer("maxHeaderCount", l.maxHeaderCount, 1, kMaxHeaderCount);
}

void bindSchema(ObjectReader& root, GatewayConfig& c) {
  root.object("server", [&c](ObjectReader& r) {
    r.text("host", c.server.host);
    r.integer("port", c.server.port, 0, kMaxPort);
    r.integer("maxThreads", c.server.maxThreads, 1, kMaxInt);
    r.integer("maxQueued", c.server.maxQueued, 1, kMaxInt);
    r.milliseconds("receiveTimeoutMs", c.server.receiveTimeout, 1, kMaxMillis);
    bindListenerLimits(r, c.server);
    // Bound even when absent, so that overrides alone can switch TLS on.
    TlsConfig tls = c.server.tls.value_or(TlsConfig{});
    if (r.object("tls", [&tls](ObjectReader& t) { bindTls(t, tls); })) c.server.tls = tls;
  });
  root.object("admin", [&c](ObjectReader& r) {
    r.text("host", c.admin.listener.host);
    r.integer("port", c.admin.listener.port, 0, kMaxPort);
    r.integer("maxThreads", c.admin.listener.maxThreads, 1, kMaxInt);
    r.milliseconds("receiveTimeoutMs", c.admin.listener.receiveTimeout, 1, kMaxMillis);
    bindListenerLimits(r, c.admin.listener);
    r.text("token", c.admin.token, Shown::kSecret);
  });
  root.object("storage", [&c](ObjectReader& r) {
    r.text("dataDir", c.storage.dataDir);
    r.text("url", c.storage.url, Shown::kSecret);  // a PostgreSQL URL may carry a password
    // At least a second: a tighter loop would only compete with request writes.
    r.milliseconds("idempotencyPurgeIntervalMs", c.storage.idempotencyPurgeInterval, 1000,
                   kMaxMillis);
  });
  root.object("limits", [&c](ObjectReader& r) {
    r.integer("maxBodyBytes", c.limits.maxBodyBytes, 1, kMaxBytes);
    r.integer("maxJsonDepth", c.limits.maxJsonDepth, 1, kMaxJsonDepth);
    r.integer("maxStringBytes", c.limits.maxStringBytes, 1, kMaxBytes);
    r.integer("maxArrayLength", c.limits.maxArrayLength, 1, kMaxInt);
    r.integer("maxDocumentsPerRequest", c.limits.maxDocumentsPerRequest, 1, kMaxInt);
    r.integer("maxDocumentsPerRecord", c.limits.maxDocumentsPerRecord, 1, kMaxInt);
  });
  root.object("logging", [&c](ObjectReader& r) { r.logLevel("level", c.logLevel); });
  root.object("shutdown",
              [&c](ObjectReader& r) { r.milliseconds("graceMs", c.shutdownGrace, 0, kMaxMillis); });
  root.object("rules", [&c](ObjectReader& r) { bindRules(r, c.rules); });
  // Connector instances are checked by the connectors module, which names the full key path
  // ("connectors[0].options.directory"); here they are only carried as JSON.
  std::vector<std::string> instances;
  if (root.array("connectors", "an array of connector objects", "a connector object", instances,
                 [](const Json& n) -> std::optional<std::string> {
                   if (!n.isObject()) return std::nullopt;
                   return n.serialize();
                 })) {
    std::string text = "[";
    for (std::size_t i = 0; i < instances.size(); ++i) text += (i ? "," : "") + instances[i];
    text += "]";
    auto parsed = connectors::parseConnectorInstances(text, "connectors");
    if (parsed) {
      c.connectors = std::move(parsed).value();
    } else {
      root.error(parsed.error().message());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rules across keys, checked on the merged values.

bool isWildcardHost(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "[::]";
}

// A wildcard bind takes the port on every address, so it clashes with any host.
bool hostsOverlap(std::string_view a, std::string_view b) {
  return a == b || isWildcardHost(a) || isWildcardHost(b);
}

void checkFile(Binding& b, std::string_view path, const std::string& file, std::string_view what,
               std::string_view requiredWhen) {
  if (file.empty()) {
    if (!requiredWhen.empty()) {
      b.error(std::string(path) + ": required when " + std::string(requiredWhen) + " (" +
              std::string(what) + ")");
    }
    return;
  }
  if (!isReadableFile(file)) {
    b.error(std::string(path) + ": must be a readable file (" + std::string(what) +
            "), cannot read " + inQuotes(file));
  }
}

void validate(const GatewayConfig& c, Binding& b) {
  if (c.server.host.empty()) b.error("server.host: must not be empty (0.0.0.0: every interface)");
  if (c.admin.listener.host.empty()) b.error("admin.host: must not be empty");
  if (c.server.tls) {
    const TlsConfig& tls = *c.server.tls;
    checkFile(b, "server.tls.certificateFile", tls.certificateFile, "PEM certificate chain",
              "server.tls is set");
    checkFile(b, "server.tls.privateKeyFile", tls.privateKeyFile, "PEM private key",
              "server.tls is set");
    checkFile(b, "server.tls.caFile", tls.caFile, "PEM CAs trusted for client certificates",
              tls.requireClientCertificate ? "server.tls.requireClientCertificate is true" : "");
  }
  if (!c.admin.token.empty() && c.admin.token.size() < kMinTokenLength) {
    b.error("admin.token: must be at least " + std::to_string(kMinTokenLength) +
            " characters long (value not shown)");
  }
  if (c.storage.dataDir.empty()) b.error("storage.dataDir: must not be empty");
  const std::string& url = c.storage.url;
  if (!url.empty() && !url.starts_with("postgresql://") && !url.starts_with("sqlite:")) {
    b.error("storage.url: must be empty, or start with \"postgresql://\" or \"sqlite:\"");
  }
  const ListenerConfig& api = c.server;
  const ListenerConfig& admin = c.admin.listener;
  if (api.port != 0 && api.port == admin.port && hostsOverlap(api.host, admin.host)) {
    b.error("admin.port: must differ from server.port when the hosts overlap (both " +
            std::to_string(api.port) + ", on " + api.host + " and " + admin.host + ")");
  }
  // The rule engine owns its checks (tariff decimals, département codes); they name the key and
  // stop at the first problem, so the source of the value is added here.
  if (common::Status s = mappings::validateRuleConfig(c.rules); !s.isOk()) {
    b.error(s.message() + b.sourceOf(s.message()));
  }
}

}  // namespace

common::Result<GatewayConfig> loadConfig(const ConfigSources& sources) {
  std::optional<Json> file;
  if (sources.fileText) {
    const std::string label =
        sources.fileName.empty() ? std::string("configuration file") : sources.fileName;
    common::Result<Json> parsed = parseFile(*sources.fileText);
    if (!parsed) return common::invalidArgument(label + ": " + parsed.error().message());
    if (!parsed->isObject()) {
      return common::invalidArgument(label + ": must hold a JSON object, got " +
                                     std::string(kindName(parsed->kind())));
    }
    file = std::move(parsed).value();
  }

  Binding binding(sources);
  GatewayConfig config;
  ObjectReader root(binding, "", file ? &*file : nullptr);
  bindSchema(root, config);
  root.finish();
  validate(config, binding);
  common::Status status = binding.finish();
  if (!status.isOk()) return status;
  return config;
}

std::vector<std::string> configurationKeys() {
  Binding binding(ConfigSources{});
  GatewayConfig config;
  ObjectReader root(binding, "", nullptr);
  bindSchema(root, config);
  return binding.keys();
}

std::map<std::string, std::string> gatewayEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos || !text.starts_with(kEnvPrefix)) continue;
    out.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return out;
}

}  // namespace fhirgw::gateway
