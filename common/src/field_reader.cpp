#include "fhirgw/common/field_reader.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace fhirgw::common {

std::optional<std::int64_t> parseStrictInteger(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string joinMessages(const std::vector<std::string>& messages) {
  std::string joined;
  for (const std::string& m : messages) {
    if (!joined.empty()) joined += "; ";
    joined += m;
  }
  return joined;
}

Status invalidArgumentOf(const std::vector<std::string>& messages) {
  if (messages.empty()) return Status::ok();
  return invalidArgument(joinMessages(messages));
}

std::string joinKeyPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string indexKeyPath(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

// ---------------------------------------------------------------------------------------------

void FieldErrors::wrongValue(const std::string& path, std::string_view expected,
                             const FieldValue& /*got*/, Shown /*shown*/) {
  add(path + ": must be " + std::string(expected));
}

void FieldErrors::nullValue(const std::string& path, std::string_view /*expected*/,
                            const FieldValue& /*got*/) {
  add(path + ": must not be null");
}

void FieldErrors::missing(const std::string& path) { add(path + ": is required"); }

void FieldErrors::unknownKey(const std::string& path, std::string_view /*key*/) {
  add(path + ": unknown key");
}

void FieldErrors::duplicateKey(const std::string& path) { add(path + ": duplicate key"); }

void FieldErrors::error(const std::string& path, std::string_view message) {
  add(path + ": " + std::string(message));
}

// ---------------------------------------------------------------------------------------------

FieldReader::FieldReader(const Json* object, std::string path, FieldPolicy& policy)
    : policy_(policy), path_(std::move(path)) {
  if (object == nullptr) return;
  if (!object->isObject()) {
    const FieldValue got{object, {}, {}};
    if (object->isNull()) {
      policy_.nullValue(path_, jsonKindName(JsonKind::kObject), got);
    } else {
      policy_.wrongValue(path_, jsonKindName(JsonKind::kObject), got, Shown::kValue);
    }
    return;
  }
  node_ = object;
  touched_ = true;
  const std::vector<JsonMember>& members = node_->members();
  read_.assign(members.size(), false);
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (members[j].key == members[i].key) {
        policy_.duplicateKey(keyPath(members[i].key));
        read_[i] = true;  // reported once, as a duplicate, not again as unknown
        break;
      }
    }
  }
}

const Json* FieldReader::take(std::string_view key) {
  if (node_ == nullptr) return nullptr;
  const std::vector<JsonMember>& members = node_->members();
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].key == key) {
      read_[i] = true;
      return &members[i].value;
    }
  }
  return nullptr;
}

const Json* FieldReader::value(std::string_view key, JsonKind kind, Need need) {
  const std::string path = keyPath(key);
  const Json* n = take(key);
  if (n != nullptr && n->isNull() && nullIsAbsent(need)) n = nullptr;
  if (n == nullptr) {
    if (need == Need::kRequired) policy_.missing(path);
    return nullptr;
  }
  touch();
  if (n->kind() == kind) return n;
  const FieldValue got{n, {}, {}};
  if (n->isNull()) {
    policy_.nullValue(path, jsonKindName(kind), got);
  } else {
    policy_.wrongValue(path, jsonKindName(kind), got, Shown::kValue);
  }
  return nullptr;
}

std::string_view FieldReader::textOf(const Json& value) {
  if (value.isBool()) return value.boolValue() ? "true" : "false";
  return value.text();
}

std::optional<std::string> FieldReader::string(std::string_view key, Need need,
                                               std::string_view expected, Shown shown) {
  return leaf<std::string>(key, JsonKind::kString, expected, need, shown,
                           [](std::string_view text) { return std::string(text); });
}

std::optional<bool> FieldReader::boolean(std::string_view key, Need need,
                                         std::string_view expected) {
  return leaf<bool>(key, JsonKind::kBool, expected, need, Shown::kValue,
                    [](std::string_view text) -> std::optional<bool> {
                      if (text != "true" && text != "false") return std::nullopt;
                      return text == "true";
                    });
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max, Need need,
                                                 std::string expected) {
  if (expected.empty()) {
    expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  }
  return leaf<std::int64_t>(key, JsonKind::kNumber, expected, need, Shown::kValue,
                            [min, max](std::string_view text) -> std::optional<std::int64_t> {
                              std::optional<std::int64_t> v = parseStrictInteger(text);
                              if (!v || *v < min || *v > max) return std::nullopt;
                              return v;
                            });
}

std::optional<std::string> FieldReader::numberText(std::string_view key, Need need,
                                                   std::string_view expected) {
  return leaf<std::string>(key, JsonKind::kNumber, expected, need, Shown::kValue,
                           [](std::string_view text) { return std::string(text); });
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view key, Need need) {
  return array<std::string>(
      key, "an array of strings", jsonKindName(JsonKind::kString),
      [](const Json& e) -> std::optional<std::string> {
        if (!e.isString()) return std::nullopt;
        return e.text();
      },
      need);
}

FieldReader FieldReader::object(std::string_view key, Need need) {
  std::string path = keyPath(key);
  policy_.objectKey(path);
  const Json* n = take(key);
  if (n != nullptr && n->isNull() && nullIsAbsent(need)) n = nullptr;
  if (n == nullptr && need == Need::kRequired) policy_.missing(path);
  return FieldReader(n, std::move(path), policy_);
}

void FieldReader::error(std::string_view key, std::string_view message) {
  policy_.error(key.empty() ? path_ : keyPath(key), message);
}

void FieldReader::finish() {
  if (node_ == nullptr) return;
  for (std::size_t i = 0; i < read_.size(); ++i) {
    if (!read_[i]) policy_.unknownKey(keyPath(node_->members()[i].key), node_->members()[i].key);
  }
}

void FieldReader::reportUnknownKeys(std::initializer_list<std::string_view> known) {
  if (node_ == nullptr) return;
  const std::vector<JsonMember>& members = node_->members();
  for (std::size_t i = 0; i < members.size(); ++i) {
    // By name, not by read_: a name given twice is reported twice, as the JSON shows it.
    if (std::find(known.begin(), known.end(), members[i].key) != known.end()) continue;
    read_[i] = true;
    policy_.unknownKey(keyPath(members[i].key), members[i].key);
  }
}

}  // namespace fhirgw::common
