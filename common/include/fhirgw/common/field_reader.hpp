#pragma once

// One reader for the typed members of a JSON object, by key, with the full key path of each
// value ("connectors[2].options.timeoutMs"). The configuration, the connectors' options and the
// request bodies read their objects with it. What a problem *says* belongs to the caller: the
// reader hands every problem to a FieldPolicy, which words it (a configuration error names the
// file and the value it got, a connector option only the key). A policy can also layer overrides
// given as text over the JSON (the configuration's environment variables and --set entries).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::common {

/// Integers as JSON writes them, -?(0|[1-9][0-9]*), within int64. Anything else (spaces, "+1",
/// "08", "1e3", "1.0") is refused: the one integer grammar of configuration, options and bodies.
std::optional<std::int64_t> parseStrictInteger(std::string_view text);

/// The messages on one line, separated by "; ".
std::string joinMessages(const std::vector<std::string>& messages);

/// Ok when there is no message, else kInvalidArgument with every message joined by "; ".
Status invalidArgumentOf(const std::vector<std::string>& messages);

/// "parent.key", or "key" at the root.
std::string joinKeyPath(std::string_view parent, std::string_view key);

/// "parent[index]".
std::string indexKeyPath(std::string_view parent, std::size_t index);

/// The JSON kinds as messages name them ("a string", "an object"): the one list, for every
/// reader's wording.
inline constexpr CodeTable<JsonKind, 7> kJsonKindNames{{{
    {JsonKind::kNull, "null"},
    {JsonKind::kBool, "a boolean"},
    {JsonKind::kNumber, "a number"},
    {JsonKind::kString, "a string"},
    {JsonKind::kObject, "an object"},
    {JsonKind::kArray, "an array"},
    {JsonKind::kRaw, "a value"},  // never parsed
}}};

/// "a string", "an object": a JSON kind in a message.
constexpr std::string_view jsonKindName(JsonKind kind) { return kJsonKindNames.code(kind); }

/// Whether a key must be there.
enum class Need {
  kOptional,
  kRequired,
  kNullable,  ///< optional, and a JSON null reads as absent whatever the policy's nullIsAbsent
};

/// Whether a message may show the value (a password or a token may not).
enum class Shown { kValue, kSecret };

/// Where the member names of an object that holds data (rules.tariffs.<ACT>) come from.
enum class MemberNames {
  kListed,         ///< a fixed list; any other member is an unknown key
  kListedAndJson,  ///< the list and any member the JSON adds
};

/// A value one source gave for a key: a JSON value of the object read, or an override's text.
struct FieldValue {
  const Json* json = nullptr;  ///< the JSON value; null for an override's text
  std::string_view text;       ///< the override's text (json is null)
  std::string_view origin;     ///< where an override came from; empty for the object read
};

/// How a FieldReader reports problems and where overrides come from. The first group is what
/// every policy words; the second has defaults for a reader of JSON alone.
class FieldPolicy {
 public:
  virtual ~FieldPolicy() = default;

  /// `got` is not `expected` ("a string", "an integer between 1 and 16").
  virtual void wrongValue(const std::string& path, std::string_view expected, const FieldValue& got,
                          Shown shown) = 0;
  /// A required key has no value.
  virtual void missing(const std::string& path) = 0;
  /// A member that no getter asked for (FieldReader::finish, FieldReader::reportUnknownKeys);
  /// `key` is its name as written (a name may hold a '.', so the path does not give it back).
  virtual void unknownKey(const std::string& path, std::string_view key) = 0;
  /// A member name given twice in one object (the second one is not read).
  virtual void duplicateKey(const std::string& path) = 0;
  /// Any other problem: a caller's check on a value it read.
  virtual void error(const std::string& path, std::string_view message) = 0;

  /// A member whose value is JSON null: by default a wrong value.
  virtual void nullValue(const std::string& path, std::string_view expected,
                         const FieldValue& got) {
    wrongValue(path, expected, got, Shown::kValue);
  }
  /// True when a JSON null means absent (request bodies) rather than a value.
  virtual bool nullIsAbsent() const { return false; }
  /// Texts that override the leaf at `path`, lowest precedence first (the last good one wins).
  /// Called for every leaf a getter asks for, present or not.
  virtual std::vector<FieldValue> overrides(const std::string& /*path*/) { return {}; }
  /// An array given as override text: its JSON.
  virtual Result<Json> parseOverride(std::string_view text) { return Json::parse(text); }
  /// A getter asked for the object at `path` (present or not).
  virtual void objectKey(const std::string& /*path*/) {}
  /// A leaf took a good value from `from`.
  virtual void accepted(const std::string& /*path*/, const FieldValue& /*from*/, Shown /*shown*/) {}
  /// FieldReader::members: the leaves read until endMembers are named by data, documented as
  /// `pattern` ("rules.tariffs.<ACT>"); with `open`, the JSON may add names to the object.
  virtual void beginMembers(const std::string& /*objectPath*/, const std::string& /*pattern*/,
                            bool /*open*/) {}
  virtual void endMembers() {}
  /// A member of an open object whose name cannot be a key (empty, or with a '.').
  virtual void badMemberName(const std::string& objectPath, std::string_view name) {
    error(objectPath,
          "the member name \"" + std::string(name) + "\" must be non-empty and " + "without '.'");
  }
};

/// The plain policy: "<path>: must be <expected>", "<path>: must not be null", "<path>: is
/// required", "<path>: unknown key", "<path>: duplicate key"; messages() in the order found.
class FieldErrors : public FieldPolicy {
 public:
  void wrongValue(const std::string& path, std::string_view expected, const FieldValue& got,
                  Shown shown) override;
  void nullValue(const std::string& path, std::string_view expected,
                 const FieldValue& got) override;
  void missing(const std::string& path) override;
  void unknownKey(const std::string& path, std::string_view key) override;
  void duplicateKey(const std::string& path) override;
  void error(const std::string& path, std::string_view message) override;

  /// Adds a message as it is (already naming its key path).
  void add(std::string message) { messages_.push_back(std::move(message)); }
  const std::vector<std::string>& messages() const { return messages_; }
  bool empty() const { return messages_.empty(); }
  /// Ok, or kInvalidArgument listing every message ("a: ...; b: ...").
  Status status() const { return invalidArgumentOf(messages_); }

 private:
  std::vector<std::string> messages_;
};

/// Reads the members of one JSON object by key (see the top of this file). A getter marks its
/// key read, checks the JSON kind and the value, reports a problem to the policy and returns
/// nullopt for it; finish() reports the members no getter asked for. A reader over no object
/// (absent, or not an object) reads nothing from JSON but still takes overrides.
class FieldReader {
 public:
  /// Reads `object` (null: absent) at key path `path` ("" for the root). A value that is not
  /// an object is reported as a wrong value and read as absent.
  FieldReader(const Json* object, std::string path, FieldPolicy& policy);

  /// True when the reader has a JSON object.
  bool present() const { return node_ != nullptr; }
  /// True when the JSON object is there or an override gave one of its leaves a value (present
  /// or not, good or not).
  bool touched() const { return touched_; }
  const std::string& path() const { return path_; }
  /// The full path of a key of this object.
  std::string keyPath(std::string_view key) const { return joinKeyPath(path_, key); }
  FieldPolicy& policy() const { return policy_; }
  /// The object read, or null.
  const Json* json() const { return node_; }

  /// The member's value, marked read; null when absent.
  const Json* take(std::string_view key);
  /// True when the member is there (and marks it read).
  bool has(std::string_view key) { return take(key) != nullptr; }
  /// The member's value when it is of `kind`, marked read; null when absent (a null read as
  /// absent, see nullIsAbsent) or of another kind (reported as a wrong value: not the kind's
  /// name). For the values a caller walks itself (an array of objects).
  const Json* value(std::string_view key, JsonKind kind, Need need = Need::kOptional);

  std::optional<std::string> string(std::string_view key, Need need = Need::kOptional,
                                    std::string_view expected = jsonKindName(JsonKind::kString),
                                    Shown shown = Shown::kValue);
  std::optional<bool> boolean(std::string_view key, Need need = Need::kOptional,
                              std::string_view expected = jsonKindName(JsonKind::kBool));
  /// A JSON integer in [min, max] (parseStrictInteger); `expected` defaults to "an integer
  /// between <min> and <max>".
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      Need need = Need::kOptional, std::string expected = {});
  /// A JSON number's text exactly as written (a decimal never goes through a double).
  std::optional<std::string> numberText(
      std::string_view key, Need need = Need::kOptional,
      std::string_view expected = jsonKindName(JsonKind::kNumber));
  /// A string from a closed set of codes; `expected` defaults to "one of <the table's codes>".
  template <typename E, std::size_t N>
  std::optional<E> code(std::string_view key, const CodeTable<E, N>& table,
                        Need need = Need::kOptional, std::string expected = {}) {
    if (expected.empty()) expected = "one of " + table.join(", ");
    return leaf<E>(key, JsonKind::kString, expected, need, Shown::kValue,
                   [&table](std::string_view text) { return table.parse(text); });
  }
  /// The general leaf: a JSON value of `kind` whose text (a boolean's is "true" or "false")
  /// parse(text) -> std::optional<T> accepts. Overrides go through the same parse.
  template <typename T, typename Parse>
  std::optional<T> leaf(std::string_view key, JsonKind kind, std::string_view expected, Need need,
                        Shown shown, Parse parse);

  /// An array whose elements convert(const Json&) -> std::optional<T> accepts. Each bad element
  /// is reported at its index; the array is returned only when every element converts. An
  /// override gives the array as JSON text.
  template <typename T, typename Convert>
  std::optional<std::vector<T>> array(std::string_view key, std::string_view expected,
                                      std::string_view elementExpected, Convert convert,
                                      Need need = Need::kOptional);
  /// An array of strings.
  std::optional<std::vector<std::string>> strings(std::string_view key,
                                                  Need need = Need::kOptional);

  /// The reader of the object member `key` (absent when missing or not an object). Call its
  /// finish() when done.
  FieldReader object(std::string_view key, Need need = Need::kOptional);
  /// Reads the object member `key` with bind(FieldReader&), whether or not the JSON has it (so
  /// overrides reach its leaves), then finishes it. Returns the child's touched().
  template <typename Bind>
  bool object(std::string_view key, Bind&& bind) {
    FieldReader child = object(key);
    std::forward<Bind>(bind)(child);
    child.finish();
    return child.touched();
  }
  /// Reads members whose names are data, documented as <path>.<placeholder>: each of `listed`
  /// with read(FieldReader&, const std::string& name) and, with kListedAndJson, each JSON member
  /// no getter has read yet (so read the fixed keys of the object first).
  template <typename Read>
  void members(std::string_view placeholder, std::vector<std::string> listed, MemberNames names,
               Read read);

  /// Reports a problem about a key (about the object itself when key is empty).
  void error(std::string_view key, std::string_view message);
  /// Reports the JSON members no getter asked for as unknown keys.
  void finish();
  /// Reports now, in document order, each member whose name is not in `known` as an unknown
  /// key, and marks it read (finish() does not report it again): for a reader whose warnings
  /// come before the problems of the values it then reads (the request bodies).
  void reportUnknownKeys(std::initializer_list<std::string_view> known);

 private:
  // True when a JSON null given for a key of this need reads as absent.
  bool nullIsAbsent(Need need) const { return need == Need::kNullable || policy_.nullIsAbsent(); }
  // A JSON value's text for parse: a string's or number's text, a boolean's "true"/"false".
  static std::string_view textOf(const Json& value);
  // Records that a source gave the key a value.
  void touch() { touched_ = true; }

  FieldPolicy& policy_;
  std::string path_;
  const Json* node_ = nullptr;  // null when absent
  std::vector<bool> read_;      // per member of node_
  bool touched_ = false;
};

template <typename T, typename Parse>
std::optional<T> FieldReader::leaf(std::string_view key, JsonKind kind, std::string_view expected,
                                   Need need, Shown shown, Parse parse) {
  const std::string path = keyPath(key);
  std::optional<T> out;
  bool given = false;
  const Json* n = take(key);
  if (n != nullptr && !(n->isNull() && nullIsAbsent(need))) {
    given = true;
    touch();
    const FieldValue got{n, {}, {}};
    if (n->isNull() && kind != JsonKind::kNull) {
      policy_.nullValue(path, expected, got);
    } else if (std::optional<T> v = n->kind() == kind ? parse(textOf(*n)) : std::optional<T>()) {
      out = std::move(v);
      policy_.accepted(path, got, shown);
    } else {
      policy_.wrongValue(path, expected, got, shown);
    }
  }
  for (const FieldValue& o : policy_.overrides(path)) {
    given = true;
    touch();
    if (std::optional<T> v = parse(o.text)) {
      out = std::move(v);
      policy_.accepted(path, o, shown);
    } else {
      policy_.wrongValue(path, expected, o, shown);
    }
  }
  if (!given && need == Need::kRequired) policy_.missing(path);
  return out;
}

template <typename T, typename Convert>
std::optional<std::vector<T>> FieldReader::array(std::string_view key, std::string_view expected,
                                                 std::string_view elementExpected, Convert convert,
                                                 Need need) {
  const std::string path = keyPath(key);
  std::optional<std::vector<T>> out;
  bool given = false;
  // `source` is the value as its source gave it: the JSON member, or an override's text (a
  // message about the whole value shows what was typed).
  auto read = [&](const Json& n, const FieldValue& source) {
    const std::string_view origin = source.origin;
    if (n.isNull() && origin.empty()) {
      policy_.nullValue(path, expected, source);
      return;
    }
    if (!n.isArray()) {
      policy_.wrongValue(path, expected, source, Shown::kValue);
      return;
    }
    std::vector<T> values;
    bool good = true;
    for (std::size_t i = 0; i < n.items().size(); ++i) {
      if (std::optional<T> v = convert(n.items()[i])) {
        values.push_back(std::move(*v));
        continue;
      }
      good = false;
      policy_.wrongValue(indexKeyPath(path, i), elementExpected,
                         FieldValue{&n.items()[i], {}, origin}, Shown::kValue);
    }
    if (!good) return;
    out = std::move(values);
    policy_.accepted(path, FieldValue{&n, {}, origin}, Shown::kValue);
  };
  const Json* n = take(key);
  if (n != nullptr && !(n->isNull() && nullIsAbsent(need))) {
    given = true;
    touch();
    read(*n, FieldValue{n, {}, {}});
  }
  for (const FieldValue& o : policy_.overrides(path)) {
    given = true;
    touch();
    Result<Json> parsed = policy_.parseOverride(o.text);
    if (parsed) {
      read(*parsed, o);
    } else {
      policy_.wrongValue(path, std::string(expected) + " written as JSON", o, Shown::kValue);
    }
  }
  if (!given && need == Need::kRequired) policy_.missing(path);
  return out;
}

template <typename Read>
void FieldReader::members(std::string_view placeholder, std::vector<std::string> listed,
                          MemberNames names, Read read) {
  const bool open = names == MemberNames::kListedAndJson;
  policy_.beginMembers(path_, keyPath("<" + std::string(placeholder) + ">"), open);
  if (open && node_ != nullptr) {
    const std::vector<JsonMember>& members = node_->members();
    for (std::size_t i = 0; i < members.size(); ++i) {
      const std::string& name = members[i].key;
      if (read_[i] || std::find(listed.begin(), listed.end(), name) != listed.end()) continue;
      if (name.empty() || name.find('.') != std::string::npos) {
        // A dot would make the key path ambiguous, and an empty name has none.
        read_[i] = true;
        policy_.badMemberName(path_, name);
        continue;
      }
      listed.push_back(name);
    }
  }
  for (const std::string& name : listed) read(*this, name);
  policy_.endMembers();
}

}  // namespace fhirgw::common
