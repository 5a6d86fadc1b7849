// rewriteJsonStrings: its own file, so that its reader instantiation does not share a file with
// parseJson's (see json_reader.hpp).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>

#include "fhirgw/common/json.hpp"
#include "json_reader.hpp"

namespace fhirgw::common {
namespace {

/// SAX target of the shared reader that writes what it reads, offering member string values to
/// a rewrite.
class RewritingWriter {
 public:
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
  RewritingWriter(Writer& w, const JsonStringRewrite& rewrite) : w_(w), rewrite_(rewrite) {}

  // NOLINTBEGIN(readability-identifier-naming): RapidJSON's Handler concept names these
  bool Null() { return value() && w_.Null(); }
  bool Bool(bool b) { return value() && w_.Bool(b); }
  bool Int(int i) { return value() && w_.Int(i); }
  bool Uint(unsigned u) { return value() && w_.Uint(u); }
  bool Int64(int64_t i) { return value() && w_.Int64(i); }
  bool Uint64(uint64_t u) { return value() && w_.Uint64(u); }
  bool Double(double d) { return value() && w_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return value() && w_.RawValue(s, n, rapidjson::kNumberType);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (member_) {
      member_ = false;
      if (std::optional<std::string> r = rewrite_(key_, std::string_view(s, n))) {
        const std::string& text = *r;
        return w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      }
    }
    return w_.String(s, n);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_.assign(s, n);
    member_ = true;
    return w_.Key(s, n);
  }
  bool StartObject() { return value() && w_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return w_.EndObject(n); }
  bool StartArray() { return value() && w_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return w_.EndArray(n); }
  // NOLINTEND(readability-identifier-naming)

 private:
  // Any value other than a string ends the member's chance of a rewrite.
  bool value() {
    member_ = false;
    return true;
  }

  Writer& w_;
  const JsonStringRewrite& rewrite_;
  std::string key_;      // the member name read last
  bool member_ = false;  // the next value is that member's
};

}  // namespace

Result<std::string> rewriteJsonStrings(std::string_view text, const JsonStringRewrite& rewrite,
                                       const JsonLimits& limits) {
  rapidjson::StringBuffer buffer;
  buffer.Reserve(text.size());  // the output is about the input's size: one allocation
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  RewritingWriter target(writer, rewrite);
  if (Status s = detail::readJson(text, limits, target, nullptr, nullptr); !s.isOk()) return s;
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace fhirgw::common
