#include "fhirgw/gateway/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include "fhirgw/common/json.hpp"

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
constexpr std::size_t kMinTokenLength = 16;

// ---------------------------------------------------------------------------------------------
// The file as a small tree whose scalars say whether they were JSON numbers or JSON strings
// (parseJson keeps numbers as string Values and remembers which ones were numbers).

enum class JsonKind { kNull, kBool, kNumber, kString, kObject, kArray };

struct JsonNode {
  JsonKind kind = JsonKind::kNull;
  std::string key;                ///< member name in the parent object
  std::string text;               ///< string value, number text as written, or "true"/"false"
  std::vector<JsonNode> members;  ///< object members or array elements, in file order
};

// Recursion is bounded by the depth limit that parseFile gives the parser.
JsonNode toNode(const common::JsonDocument& doc, const rapidjson::Value& v, std::string key) {
  JsonNode n;
  n.key = std::move(key);
  if (v.IsObject()) {
    n.kind = JsonKind::kObject;
    for (const auto& m : v.GetObject()) {
      n.members.push_back(
          toNode(doc, m.value, std::string(m.name.GetString(), m.name.GetStringLength())));
    }
  } else if (v.IsArray()) {
    n.kind = JsonKind::kArray;
    for (const auto& e : v.GetArray()) n.members.push_back(toNode(doc, e, {}));
  } else if (v.IsString()) {
    n.kind = doc.isNumber(v) ? JsonKind::kNumber : JsonKind::kString;
    n.text.assign(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    n.kind = JsonKind::kBool;
    n.text = v.GetBool() ? "true" : "false";
  } else if (v.IsNumber()) {  // not produced by parseJson, which keeps numbers as text
    n.kind = JsonKind::kNumber;
    n.text = common::toJsonString(v);
  }
  return n;
}

common::Result<JsonNode> parseFile(std::string_view text) {
  // The schema nests three levels and holds short strings; anything far bigger is a mistake.
  common::JsonLimits limits;
  limits.maxDepth = 16;
  limits.maxStringBytes = std::size_t{64} * 1024;
  limits.maxArrayLength = 1000;
  common::Result<common::JsonDocument> doc = common::parseJson(text, limits);
  if (!doc) return doc.error();
  return toNode(*doc, doc->root(), {});
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
std::string describeFileValue(const JsonNode& n, bool secret) {
  if (secret) return std::string(kindName(n.kind));
  if (n.kind == JsonKind::kString) return "the string " + inQuotes(n.text);
  if (n.kind == JsonKind::kNumber) return "the number " + n.text;
  if (n.kind == JsonKind::kBool) return n.text;
  return std::string(kindName(n.kind));
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
    // Upper-casing could make two keys share a variable; the schema must never do that.
    auto [it, inserted] = envPaths_.emplace(envNameOf(path), path);
    if (!inserted && it->second != path) {
      error("configuration schema: " + path + " and " + it->second + " share variable " +
            it->first);
    }
  }
  // An object named where a key belongs, or a near miss of a known key.
  std::string hintForPath(const std::string& path) const {
    if (objects_.count(path) != 0) return " (" + path + " is an object: set one of its keys)";
    return nearest(path, leaves_, [](const std::string& p) { return p; });
  }
  std::string hintForEnv(const std::string& name) const {
    auto it = envPaths_.find(name);
    if (it != envPaths_.end() && objects_.count(it->second) != 0) {
      return " (" + it->second + " is an object: set one of its keys)";
    }
    return nearest(name, leaves_, envNameOf);
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
  std::map<std::string, std::string> envPaths_;  // variable name -> key path
  std::vector<std::string> unknownFileKeys_;
  std::vector<std::string> errors_;
};

enum class Shown { kValue, kSecret };

/// Reads the typed members of one configuration object, by key, from the file and overrides.
class ObjectReader {
 public:
  ObjectReader(Binding& binding, std::string path, const JsonNode* node)
      : binding_(binding), path_(std::move(path)), node_(node), sawValue_(node != nullptr) {
    if (node_ == nullptr) return;
    read_.assign(node_->members.size(), false);
    for (std::size_t i = 0; i < node_->members.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (node_->members[j].key == node_->members[i].key) {
          binding_.error(joinPath(path_, node_->members[i].key) + ": duplicate key " +
                         binding_.fileOrigin());
          read_[i] = true;  // reported once, as a duplicate, not again as unknown
          break;
        }
      }
    }
  }

  void text(std::string_view key, std::string& out, Shown shown = Shown::kValue) {
    leaf(key, JsonKind::kString, "a string", shown, [&out](std::string_view t) {
      out = t;
      return true;
    });
  }

  void flag(std::string_view key, bool& out) {
    leaf(key, JsonKind::kBool, "true or false", Shown::kValue, [&out](std::string_view t) {
      if (t != "true" && t != "false") return false;
      out = t == "true";
      return true;
    });
  }

  template <typename Int>
  void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    whole(key, "an integer between " + std::to_string(min) + " and " + std::to_string(max), min,
          max, [&out](std::int64_t v) { out = static_cast<Int>(v); });
  }

  void milliseconds(std::string_view key, std::chrono::milliseconds& out, std::int64_t min,
                    std::int64_t max) {
    whole(key,
          "a whole number of milliseconds between " + std::to_string(min) + " and " +
              std::to_string(max),
          min, max, [&out](std::int64_t v) { out = std::chrono::milliseconds(v); });
  }

  void logLevel(std::string_view key, common::LogLevel& out) {
    leaf(key, JsonKind::kString, "one of debug, info, warning, error", Shown::kValue,
         [&out](std::string_view t) { return common::parseLogLevel(t, out); });
  }

  /// Binds the object member `key` with bind(ObjectReader&), whether or not the file has it, so
  /// overrides reach its leaves. True when the file has it or an override set one of its leaves.
  template <typename Bind>
  bool object(std::string_view key, Bind&& bind) {
    std::string path = joinPath(path_, key);
    binding_.object(path);
    const JsonNode* n = take(key);
    if (n != nullptr && n->kind != JsonKind::kObject) {
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
      if (!read_[i]) binding_.unknownFileKey(joinPath(path_, node_->members[i].key));
    }
  }

 private:
  // Reads an integer leaf and hands the checked value to store.
  template <typename Store>
  void whole(std::string_view key, const std::string& expected, std::int64_t min, std::int64_t max,
             Store store) {
    leaf(key, JsonKind::kNumber, expected, Shown::kValue, [&](std::string_view t) {
      std::optional<std::int64_t> v = parseInteger(t);
      if (!v || *v < min || *v > max) return false;
      store(*v);
      return true;
    });
  }

  // Feeds each source of the leaf to parse, lowest precedence first, so the last good one wins;
  // every bad one is reported, even when a higher source would have replaced it.
  template <typename Parse>
  void leaf(std::string_view key, JsonKind fileKind, std::string_view expected, Shown shown,
            Parse parse) {
    const std::string path = joinPath(path_, key);
    const bool secret = shown == Shown::kSecret;
    auto fail = [&](const std::string& got, const std::string& origin) {
      binding_.error(path + ": must be " + std::string(expected) + ", got " + got + " " + origin);
    };
    if (const JsonNode* n = take(key)) {
      sawValue_ = true;
      if (n->kind != fileKind) {
        fail(describeFileValue(*n, secret), binding_.fileOrigin());
      } else if (!parse(std::string_view(n->text))) {
        fail(secret ? std::string("a value not shown") : describeFileValue(*n, false),
             binding_.fileOrigin());
      }
    }
    for (const Override* o : binding_.leaf(path)) {
      sawValue_ = true;
      if (!parse(std::string_view(o->value))) {
        fail(secret ? std::string("a value not shown") : inQuotes(o->value), o->origin);
      }
    }
  }

  // The file member named key, marked read; null when absent.
  const JsonNode* take(std::string_view key) {
    if (node_ == nullptr) return nullptr;
    for (std::size_t i = 0; i < node_->members.size(); ++i) {
      if (node_->members[i].key == key) {
        read_[i] = true;
        return &node_->members[i];
      }
    }
    return nullptr;
  }

  Binding& binding_;
  std::string path_;
  const JsonNode* node_;    // null when the file lacks this object
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

void bindSchema(ObjectReader& root, GatewayConfig& c) {
  root.object("server", [&c](ObjectReader& r) {
    r.text("host", c.server.host);
    r.integer("port", c.server.port, 0, kMaxPort);
    r.integer("maxThreads", c.server.maxThreads, 1, kMaxInt);
    r.integer("maxQueued", c.server.maxQueued, 1, kMaxInt);
    r.milliseconds("receiveTimeoutMs", c.server.receiveTimeout, 1, kMaxMillis);
    // Bound even when absent, so that overrides alone can switch TLS on.
    TlsConfig tls = c.server.tls.value_or(TlsConfig{});
    if (r.object("tls", [&tls](ObjectReader& t) { bindTls(t, tls); })) c.server.tls = tls;
  });
  root.object("admin", [&c](ObjectReader& r) {
    r.text("host", c.admin.listener.host);
    r.integer("port", c.admin.listener.port, 0, kMaxPort);
    r.integer("maxThreads", c.admin.listener.maxThreads, 1, kMaxInt);
    r.text("token", c.admin.token, Shown::kSecret);
  });
  root.object("storage", [&c](ObjectReader& r) {
    r.text("dataDir", c.storage.dataDir);
    r.text("url", c.storage.url, Shown::kSecret);  // a PostgreSQL URL may carry a password
  });
  root.object("limits", [&c](ObjectReader& r) {
    r.integer("maxBodyBytes", c.limits.maxBodyBytes, 1, kMaxBytes);
    r.integer("maxJsonDepth", c.limits.maxJsonDepth, 1, kMaxJsonDepth);
    r.integer("maxStringBytes", c.limits.maxStringBytes, 1, kMaxBytes);
    r.integer("maxArrayLength", c.limits.maxArrayLength, 1, kMaxInt);
  });
  root.object("logging", [&c](ObjectReader& r) { r.logLevel("level", c.logLevel); });
  root.object("shutdown",
              [&c](ObjectReader& r) { r.milliseconds("graceMs", c.shutdownGrace, 0, kMaxMillis); });
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
}

}  // namespace

common::Result<GatewayConfig> loadConfig(const ConfigSources& sources) {
  std::optional<JsonNode> file;
  if (sources.fileText) {
    const std::string label =
        sources.fileName.empty() ? std::string("configuration file") : sources.fileName;
    common::Result<JsonNode> parsed = parseFile(*sources.fileText);
    if (!parsed) return common::invalidArgument(label + ": " + parsed.error().message());
    if (parsed->kind != JsonKind::kObject) {
      return common::invalidArgument(label + ": must hold a JSON object, got " +
                                     std::string(kindName(parsed->kind)));
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
