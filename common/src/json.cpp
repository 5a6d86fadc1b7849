#include "fhirgw/common/json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "json_reader.hpp"

namespace fhirgw::common {
namespace {

/// Generator for Document::Populate that runs the shared reader over the input.
struct Generator {
  std::string_view text;
  const JsonLimits& limits;
  JsonError* where;
  Status status;
  std::vector<bool> scalarIsNumber;

  bool operator()(rapidjson::Document& doc) {
    status = detail::readJson(text, limits, doc, &scalarIsNumber, where);
    return status.isOk();
  }
};

// Visits the scalars of v in document order (the order the reader produced them), without
// recursion, calling f(scalar).
template <typename F>
void forEachScalarInOrder(const rapidjson::Value& root, F&& f) {
  std::vector<const rapidjson::Value*> stack{&root};
  while (!stack.empty()) {
    const rapidjson::Value* v = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      for (auto it = v->MemberEnd(); it != v->MemberBegin();) stack.push_back(&(--it)->value);
    } else if (v->IsArray()) {
      for (auto it = v->End(); it != v->Begin();) stack.push_back(--it);
    } else {
      f(*v);
    }
  }
}

using NumberSet = std::unordered_set<const rapidjson::Value*>;

void writeCanonical(const rapidjson::Value& v, const NumberSet* numbers,
                    rapidjson::Writer<rapidjson::StringBuffer>& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      writeCanonical(m->value, numbers, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) writeCanonical(e, numbers, w);
    w.EndArray();
  } else if (numbers != nullptr && numbers->count(&v) != 0) {
    w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
  } else {
    v.Accept(w);
  }
}

}  // namespace

JsonDocument::JsonDocument() : doc_(std::make_unique<rapidjson::Document>()) {}

Result<JsonDocument> parseJson(std::string_view text, const JsonLimits& limits, JsonError* where) {
  JsonDocument parsed;
  rapidjson::Document& doc = *parsed.doc_;
  Generator gen{text, limits, where, {}, {}};
  doc.Populate(gen);
  if (!gen.status.isOk()) return gen.status;
  std::size_t index = 0;
  forEachScalarInOrder(doc, [&](const rapidjson::Value& v) {
    if (index < gen.scalarIsNumber.size() && gen.scalarIsNumber[index]) parsed.numbers_.insert(&v);
    ++index;
  });
  return parsed;
}

std::string toJsonString(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string canonicalJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writeCanonical(value, nullptr, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string canonicalJson(const JsonDocument& doc) { return canonicalJson(doc, doc.root()); }

std::string canonicalJson(const JsonDocument& doc, const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writeCanonical(value, &doc.numbers_, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace fhirgw::common
