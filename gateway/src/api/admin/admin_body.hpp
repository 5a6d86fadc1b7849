#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>

#include "fhirgw/common/json.hpp"
#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway::admin {

/// Reads a small JSON object body (64 KiB at most); answers 415 / 413 / 400 itself.
std::optional<common::JsonDocument> readObject(Exchange& ex);

/// A whole number written as a JSON number; nullopt otherwise.
std::optional<std::int64_t> jsonInteger(const common::JsonDocument& doc, const rapidjson::Value& v);

}  // namespace fhirgw::gateway::admin
