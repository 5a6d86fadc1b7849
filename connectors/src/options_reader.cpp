#include "options_reader.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace fhirgw::connectors::detail {

OptionsReader::OptionsReader(const common::JsonDocument& doc, const rapidjson::Value* value,
                             std::string path, std::vector<std::string>& errors)
    : doc_(doc), path_(std::move(path)), errors_(errors) {
  if (value == nullptr || !value->IsObject()) {
    errors_.push_back(path_ + ": must be an object");
    return;
  }
  object_ = value;
}

std::string OptionsReader::keyPath(std::string_view key) const {
  if (key.empty()) return path_;
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void OptionsReader::error(std::string_view key, std::string_view message) {
  errors_.push_back(keyPath(key) + ": " + std::string(message));
}

const rapidjson::Value* OptionsReader::member(std::string_view key, bool required) {
  if (object_ == nullptr) return nullptr;
  read_.insert(std::string(key));
  const auto it = object_->FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  if (it == object_->MemberEnd()) {
    if (required) error(key, "is required");
    return nullptr;
  }
  if (it->value.IsNull()) {
    error(key, "must not be null");
    return nullptr;
  }
  return &it->value;
}

bool OptionsReader::has(std::string_view key) {
  if (object_ == nullptr) return false;
  read_.insert(std::string(key));
  return object_->HasMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
}

std::optional<std::string> OptionsReader::string(std::string_view key, bool required) {
  const rapidjson::Value* v = member(key, required);
  if (v == nullptr) return std::nullopt;
  if (!doc_.isString(*v)) {
    error(key, "must be a string");
    return std::nullopt;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<std::string> OptionsReader::readableFile(std::string_view key, bool required) {
  auto path = string(key, required);
  if (!path) return std::nullopt;
  std::error_code ec;
  if (path->empty() || !std::filesystem::is_regular_file(*path, ec) ||
      ::access(path->c_str(), R_OK) != 0) {
    error(key, "must name a readable file");
    return std::nullopt;
  }
  return path;
}

std::optional<bool> OptionsReader::boolean(std::string_view key) {
  const rapidjson::Value* v = member(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) {
    error(key, "must be a boolean");
    return std::nullopt;
  }
  return v->GetBool();
}

std::optional<std::int64_t> OptionsReader::integer(std::string_view key, std::int64_t min,
                                                   std::int64_t max, bool required) {
  const rapidjson::Value* v = member(key, required);
  if (v == nullptr) return std::nullopt;
  const std::string range =
      "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!doc_.isNumber(*v)) {
    error(key, range);
    return std::nullopt;
  }
  std::int64_t out = 0;
  const char* begin = v->GetString();
  const char* end = begin + v->GetStringLength();
  const auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end || out < min || out > max) {
    error(key, range);
    return std::nullopt;
  }
  return out;
}

std::optional<std::chrono::milliseconds> OptionsReader::millis(std::string_view key,
                                                               std::int64_t min, std::int64_t max) {
  auto v = integer(key, min, max);
  if (!v) return std::nullopt;
  return std::chrono::milliseconds(*v);
}

std::optional<double> OptionsReader::number(std::string_view key, double min, double max) {
  const rapidjson::Value* v = member(key, false);
  if (v == nullptr) return std::nullopt;
  const std::string range =
      "must be a number between " + std::to_string(min) + " and " + std::to_string(max);
  if (!doc_.isNumber(*v)) {
    error(key, range);
    return std::nullopt;
  }
  const std::string text(v->GetString(), v->GetStringLength());
  char* end = nullptr;
  const double out = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(out >= min && out <= max)) {
    error(key, range);
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::string>> OptionsReader::strings(std::string_view key,
                                                               bool required) {
  const rapidjson::Value* v = member(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsArray()) {
    error(key, "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const rapidjson::Value& e = (*v)[i];
    if (!doc_.isString(e)) {
      error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
      return std::nullopt;
    }
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

const rapidjson::Value* OptionsReader::object(std::string_view key) {
  const rapidjson::Value* v = member(key, false);
  if (v != nullptr && !v->IsObject()) {
    error(key, "must be an object");
    return nullptr;
  }
  return v;
}

void OptionsReader::finish() {
  if (object_ == nullptr) return;
  for (auto it = object_->MemberBegin(); it != object_->MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (read_.find(key) == read_.end()) error(key, "unknown key");
  }
}

common::Status errorsToStatus(const std::vector<std::string>& errors) {
  if (errors.empty()) return common::Status::ok();
  std::string message;
  for (const std::string& e : errors) {
    if (!message.empty()) message += "; ";
    message += e;
  }
  return common::invalidArgument(std::move(message));
}

}  // namespace fhirgw::connectors::detail
