// Golden answers of the editor and admin APIs: each tests/data/api/<case>/ holds request.json
// (optional server options and setup steps, then the request) and expected.json (status, the
// headers a client relies on, and the body). Every case runs against a fresh in-process gateway.
// Answers are compared as canonical JSON after generated values are replaced by placeholders:
// values the case knows by name (client ids and keys, captured ids) become <name>; other UUIDs,
// API keys and key ids become <uuid-N>, <api-key-N>, <key-id-N> (numbered in order of
// appearance, so "the same id twice" still shows); instants of the real clock become <now>.
// Set FHIRGW_UPDATE_GOLDENS=1 to rewrite the expected files, then review the diff: a change here
// is a change of the public API.
//
// request.json members (a setup step has the same ones):
//   method, path             the request; the admin listener serves /admin/ and /health/
//   as                       "editor" (default on the API), "other" (a second editor), "admin"
//                            (default on the admin listener: the admin token), "none", or a
//                            bearer token (variables allowed)
//   headers                  extra headers (variables allowed); contentType overrides JSON
//   body | bodyText | bodyFile   a JSON value, raw text, or a file under the source folder
//   edits                    [{"find", "replace"}] applied in turn to the body text (each must
//                            match)
//   capture                  {"name": "/json/pointer"}: a value of the answer, then {{name}}
//   expectStatus             setup only: the status the step must get (default: any 2xx)
//   advanceClockSeconds      setup only: moves the gateway's clock instead of a request
//   server                   top level only: {"maxBodyBytes", "maxDocumentsPerRequest",
//                            "maxDocumentsPerRecord", "routes": false}
//   unordered                top level only: JSON pointers ("" is the body) of arrays whose
//                            order is not part of the contract (the store orders rows made in the
//                            same instant by random id); they are compared sorted
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "fhirgw/connectors/destination.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/golden_file.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"
#include "fhirgw/testsupport/json_text.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::gateway {
namespace {

namespace fs = std::filesystem;
using testsupport::HttpResponse;
using testsupport::JsonValue;

// Headers whose value is part of the contract; the rest (Date, Content-Length, X-Request-ID,
// Connection) is transport.
constexpr const char* kComparedHeaders[] = {
    "Allow", "Content-Type", "ETag",        "Idempotent-Replayed",
    "Link",  "Location",     "Retry-After", "WWW-Authenticate"};

fs::path caseRoot() { return testsupport::sourcePath("tests/data/api"); }

std::string textOf(const JsonValue* v) { return v != nullptr ? v->text : std::string(); }

/// Replaces {{name}} by the variable's value.
std::string substitute(std::string text, const std::map<std::string, std::string>& vars) {
  for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at)) {
    const std::size_t end = text.find("}}", at);
    if (end == std::string::npos) break;
    const std::string name = text.substr(at + 2, end - at - 2);
    const auto it = vars.find(name);
    if (it == vars.end()) {
      ADD_FAILURE() << "unknown variable {{" << name << "}}";
      at = end;
      continue;
    }
    text.replace(at, end + 2 - at, it->second);
    at += it->second.size();
  }
  return text;
}

/// Seconds since the epoch of an RFC 3339 instant ("2026-11-22T12:00:00.000Z", "+01:00").
std::optional<std::int64_t> epochSeconds(const std::string& instant) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(instant.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  const auto days = std::chrono::sys_days(std::chrono::year(y) / mo / d).time_since_epoch();
  std::int64_t t =
      std::chrono::duration_cast<std::chrono::seconds>(days).count() + h * 3600 + mi * 60 + s;
  const std::size_t zone = instant.find_first_of("+-", 19);
  if (zone != std::string::npos) {
    const int sign = instant[zone] == '-' ? -1 : 1;
    t -= sign * (std::stoi(instant.substr(zone + 1, 2)) * 3600 +
                 std::stoi(instant.substr(zone + 4, 2)) * 60);
  }
  return t;
}

/// Turns generated values into placeholders, consistently within one answer.
class Normaliser {
 public:
  explicit Normaliser(const std::map<std::string, std::string>& vars) {
    for (const auto& [name, value] : vars) {
      if (value.size() >= 8) known_.emplace_back(value, "<" + name + ">");
      // An API key's id part is listed on its own (client reads, audit actors).
      const std::size_t dot = value.find('.');
      if (std::regex_match(value, kApiKey)) {
        known_.emplace_back(value.substr(0, dot), "<" + name + ".id>");
      }
    }
    // Longest first: a key is replaced before its id part.
    std::sort(known_.begin(), known_.end(),
              [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }

  void apply(std::string& s) {
    applyKnown(s);
    applyGenerated(s);
  }

  /// Values the case knows by name.
  void applyKnown(std::string& s) const {
    for (const auto& [value, placeholder] : known_) replaceAll(s, value, placeholder);
  }

  /// Generated values the case cannot name, numbered in order of appearance.
  void applyGenerated(std::string& s) {
    s = numbered(s, kApiKey, "api-key");
    s = numbered(s, kKeyId, "key-id");
    s = numbered(s, kUuid, "uuid");
    s = realClockInstants(s);
  }

  /// Generated values masked without numbering (sort keys of unordered arrays).
  static std::string masked(const std::string& s) {
    return std::regex_replace(
        std::regex_replace(std::regex_replace(s, kApiKey, "<api-key>"), kKeyId, "<key-id>"), kUuid,
        "<uuid>");
  }

 private:
  static void replaceAll(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at)) {
      s.replace(at, from.size(), to);
      at += to.size();
    }
  }

  std::string numbered(const std::string& s, const std::regex& pattern, const std::string& kind) {
    std::string out;
    auto last = s.cbegin();
    for (std::sregex_iterator it(s.begin(), s.end(), pattern), end; it != end; ++it) {
      out.append(last, (*it)[0].first);
      auto& seen = seen_[kind];
      auto [pos, added] = seen.emplace(it->str(), seen.size() + 1);
      out += "<" + kind + "-" + std::to_string(pos->second) + ">";
      last = (*it)[0].second;
    }
    out.append(last, s.cend());
    return out;
  }

  // Times taken from the system clock (the gateway's clock is a ManualClock in 2026): within a
  // day of now, which no example date is.
  static std::string realClockInstants(const std::string& s) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    std::string out;
    auto last = s.cbegin();
    for (std::sregex_iterator it(s.begin(), s.end(), kInstant), end; it != end; ++it) {
      const auto t = epochSeconds(it->str());
      if (!t || std::llabs(*t - now) > 86400) continue;
      out.append(last, (*it)[0].first);
      out += "<now>";
      last = (*it)[0].second;
    }
    out.append(last, s.cend());
    return out;
  }

  static inline const std::regex kApiKey{"k[0-9a-f]{16}\\.[0-9a-f]{64}"};
  static inline const std::regex kKeyId{"\\bk[0-9a-f]{16}\\b"};
  static inline const std::regex kUuid{
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"};
  static inline const std::regex kInstant{
      "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})"};

  std::vector<std::pair<std::string, std::string>> known_;
  std::map<std::string, std::map<std::string, std::size_t>> seen_;
};

/// The value at a JSON pointer ("/0/items"), or nullptr.
JsonValue* at(JsonValue& root, const std::string& pointer) {
  JsonValue* v = &root;
  std::size_t from = 0;
  while (v != nullptr && from < pointer.size()) {
    const std::size_t next = std::min(pointer.find('/', from + 1), pointer.size());
    const std::string token = pointer.substr(from + 1, next - from - 1);
    from = next;
    if (v->kind == JsonValue::Kind::kArray) {
      const std::size_t i = std::stoul(token);
      v = i < v->items.size() ? &v->items[i] : nullptr;
    } else {
      v = v->find(token);
    }
  }
  return v;
}

/// Sorts an array by the canonical text of its items, generated values masked.
void sortArray(JsonValue& array, const Normaliser& normaliser) {
  const auto key = [&](const JsonValue& item) {
    JsonValue copy = item;
    testsupport::forEachString(copy, [&](std::string& s) {
      normaliser.applyKnown(s);
      s = Normaliser::masked(s);
    });
    return testsupport::canonicalJsonText(copy);
  };
  std::stable_sort(array.items.begin(), array.items.end(),
                   [&](const JsonValue& a, const JsonValue& b) { return key(a) < key(b); });
}

/// The comparable form of an answer: {"status", "headers", "body" | "bodyText"}.
JsonValue recordedAnswer(const HttpResponse& r, const std::map<std::string, std::string>& vars,
                         const JsonValue* unordered) {
  Normaliser normaliser(vars);
  JsonValue answer = JsonValue::object();
  answer.add("status", JsonValue::number(std::to_string(r.status)));
  JsonValue headers = JsonValue::object();
  for (const char* name : kComparedHeaders) {
    std::string value = r.header(name);
    if (value.empty()) continue;
    normaliser.apply(value);
    headers.add(name, JsonValue::string(value));
  }
  answer.add("headers", std::move(headers));
  if (r.body.empty()) return answer;
  if (auto body = testsupport::parseJsonText(r.body)) {
    if (unordered != nullptr) {
      for (const JsonValue& pointer : unordered->items) {
        JsonValue* array = at(*body, pointer.text);
        EXPECT_TRUE(array != nullptr && array->kind == JsonValue::Kind::kArray)
            << "unordered: no array at \"" << pointer.text << "\"";
        if (array != nullptr) sortArray(*array, normaliser);
      }
    }
    testsupport::forEachString(*body, [&](std::string& s) { normaliser.apply(s); });
    answer.add("body", std::move(*body));
  } else {
    std::string text = r.body;
    normaliser.apply(text);
    answer.add("bodyText", JsonValue::string(text));
  }
  return answer;
}

class ApiGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = caseRoot() / GetParam();
    auto request = testsupport::parseJsonText(testsupport::readFile(dir_ / "request.json"));
    ASSERT_TRUE(request.has_value()) << dir_ / "request.json"
                                     << " is not JSON";
    request_ = std::move(*request);

    testsupport::InProcessGatewayOptions options;
    if (const JsonValue* server = request_.find("server")) {
      if (const JsonValue* v = server->find("maxBodyBytes")) {
        options.limits.maxBodyBytes = std::stoul(v->text);
      }
      if (const JsonValue* v = server->find("maxDocumentsPerRequest")) {
        options.limits.maxDocumentsPerRequest = std::stoul(v->text);
      }
      if (const JsonValue* v = server->find("maxDocumentsPerRecord")) {
        options.limits.maxDocumentsPerRecord = std::stoul(v->text);
      }
    }
    const JsonValue* routes =
        request_.find("server") ? request_.find("server")->find("routes") : nullptr;
    if (routes == nullptr || routes->kind != JsonValue::Kind::kFalse) {
      // One fixed connector for every destination: deliveries are queued (no engine runs, so
      // they stay pending) and the delivery answers have something to show.
      connectors::ConnectorRoute archive;
      archive.connectorId = "archive";
      archive.destinations = {
          connectors::Destination::kDmp, connectors::Destination::kTreatingPhysician,
          connectors::Destination::kPatient, connectors::Destination::kEncounter};
      options.routes.push_back(archive);
      // An instance that runs but is routed nowhere: a re-route's target.
      connectors::ConnectorRoute spare;
      spare.connectorId = "spare";
      options.routes.push_back(spare);
    }
    gateway_ = std::make_unique<testsupport::InProcessGateway>(std::move(options));
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    const auto editor = gateway_->createClient("editor A", "editor");
    const auto other = gateway_->createClient("editor B", "editor");
    ASSERT_FALSE(editor.key.empty());
    ASSERT_FALSE(other.key.empty());
    vars_ = {{"editorKey", editor.key},
             {"editorId", editor.id},
             {"otherKey", other.key},
             {"otherId", other.id},
             {"adminToken", gateway_->adminToken()}};
  }

  /// The body text of a step ("" when it has none).
  std::string bodyOf(const JsonValue& step) {
    std::string text;
    if (const JsonValue* body = step.find("body")) {
      text = testsupport::compactJsonText(*body);
    } else if (const JsonValue* raw = step.find("bodyText")) {
      text = raw->text;
    } else if (const JsonValue* file = step.find("bodyFile")) {
      text = testsupport::readFile(testsupport::sourcePath(file->text));
      EXPECT_FALSE(text.empty()) << file->text << " is missing or empty";
    }
    if (const JsonValue* edits = step.find("edits")) {
      for (const JsonValue& edit : edits->items) {
        const std::string find = textOf(edit.find("find"));
        const std::size_t at = text.find(find);
        EXPECT_NE(at, std::string::npos) << "edit: \"" << find << "\" not found";
        if (at != std::string::npos) text.replace(at, find.size(), textOf(edit.find("replace")));
      }
    }
    return substitute(text, vars_);
  }

  /// Sends one step's request.
  HttpResponse send(const JsonValue& step, const std::string& requestId) {
    const std::string method = textOf(step.find("method"));
    const std::string path = substitute(textOf(step.find("path")), vars_);
    const bool onAdmin = path.rfind("/admin/", 0) == 0 || path.rfind("/health/", 0) == 0;
    std::string as = step.find("as") ? step.find("as")->text : (onAdmin ? "admin" : "editor");
    std::string token;
    if (as == "editor") {
      token = vars_["editorKey"];
    } else if (as == "other") {
      token = vars_["otherKey"];
    } else if (as == "admin") {
      token = gateway_->adminToken();
    } else if (as != "none") {
      token = substitute(as, vars_);
    }
    std::map<std::string, std::string> headers{{"X-Request-ID", requestId}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (const JsonValue* extra = step.find("headers")) {
      for (const auto& [name, value] : extra->members)
        headers[name] = substitute(value.text, vars_);
    }
    const std::string contentType =
        step.find("contentType") ? step.find("contentType")->text : "application/json";
    Poco::Net::HTTPClientSession session(
        "127.0.0.1", onAdmin ? gateway_->server().adminPort() : gateway_->server().apiPort());
    return testsupport::httpRequest(session, method, path, bodyOf(step), headers, contentType);
  }

  /// Runs a setup step: a request (its status checked, values captured) or a clock move.
  void runSetup(const JsonValue& step, std::size_t index) {
    if (const JsonValue* advance = step.find("advanceClockSeconds")) {
      gateway_->clock().advance(std::chrono::seconds(std::stol(advance->text)));
      return;
    }
    const HttpResponse r = send(step, "setup-" + std::to_string(index));
    if (const JsonValue* expected = step.find("expectStatus")) {
      ASSERT_EQ(std::to_string(r.status), expected->text)
          << "setup step " << index << " " << textOf(step.find("path")) << ": " << r.body;
    } else {
      ASSERT_TRUE(r.status >= 200 && r.status < 300)
          << "setup step " << index << " " << textOf(step.find("path")) << " answered " << r.status
          << ": " << r.body;
    }
    capture(step, r);
  }

  void capture(const JsonValue& step, const HttpResponse& r) {
    const JsonValue* captures = step.find("capture");
    if (captures == nullptr) return;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    ASSERT_FALSE(doc.HasParseError()) << "capture from a non-JSON answer: " << r.body;
    for (const auto& [name, pointer] : captures->members) {
      const rapidjson::Value* v = rapidjson::Pointer(pointer.text.c_str()).Get(doc);
      ASSERT_TRUE(v != nullptr && v->IsString()) << name << ": no string at " << pointer.text;
      vars_[name] = v->GetString();
    }
  }

  fs::path dir_;
  JsonValue request_;
  std::unique_ptr<testsupport::InProcessGateway> gateway_;
  std::map<std::string, std::string> vars_;
};

TEST_P(ApiGolden, AnswersAsRecorded) {
  if (const JsonValue* setup = request_.find("setup")) {
    for (std::size_t i = 0; i < setup->items.size(); ++i) {
      ASSERT_NO_FATAL_FAILURE(runSetup(setup->items[i], i + 1));
    }
  }
  const HttpResponse r = send(request_, "golden-request");
  const JsonValue actual = recordedAnswer(r, vars_, request_.find("unordered"));
  if (auto mismatch = testsupport::goldenMismatch(actual, {dir_ / "expected.json"})) {
    ADD_FAILURE() << GetParam() << ": " << *mismatch;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ApiGolden, ::testing::ValuesIn(testsupport::goldenCaseNames(caseRoot(), "request.json")),
    [](const auto& param) { return testsupport::goldenTestName(param.param, '_'); });

}  // namespace
}  // namespace fhirgw::gateway
