#pragma once

// The configuration's policy over common::FieldReader: the file, then the FHIRGW_* variables,
// then the --set entries, lowest precedence first. Every key the schema asks for becomes known;
// whatever no key asked for (file members, variables, --set entries) is reported at the end,
// with a "did you mean" hint. Messages name the key path, what it must be, the value it got and
// where that value came from ("server.port: must be an integer between 0 and 65535, got the
// string \"x\" in gateway.json").

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/gateway/config.hpp"

namespace fhirgw::gateway::detail {

/// The prefix of the configuration's environment variables.
inline constexpr std::string_view kEnvPrefix = "FHIRGW_";

/// The configuration file as the common tree (duplicate names kept: the reader reports them).
common::Result<common::Json> parseConfigJson(std::string_view text);

/// A value quoted and cut short: a message must stay one readable line.
std::string inQuotes(std::string_view text);

/// State of one loadConfig call: sources, known keys, errors (see the top of this file).
class Binding : public common::FieldPolicy {
 public:
  explicit Binding(const ConfigSources& sources);

  /// An error whose message already names its key path.
  void error(std::string message) { errors_.push_back(std::move(message)); }
  using common::FieldPolicy::error;
  const std::string& fileOrigin() const { return fileOrigin_; }
  /// Where the value held by the leaf a message is about came from (", got 5 in gateway.json"),
  /// or "" when the value is a default: for checks on merged values that name the key only.
  std::string sourceOf(std::string_view message) const;
  /// Leaves and patterns, sorted; the leaves a pattern stands for are left out.
  std::vector<std::string> keys() const;
  /// Reports what nothing consumed; returns every error joined, or ok.
  common::Status finish();

  // common::FieldPolicy
  void wrongValue(const std::string& path, std::string_view expected, const common::FieldValue& got,
                  common::Shown shown) override;
  void missing(const std::string& path) override;
  void unknownKey(const std::string& path, std::string_view key) override;
  void duplicateKey(const std::string& path) override;
  void error(const std::string& path, std::string_view message) override;
  std::vector<common::FieldValue> overrides(const std::string& path) override;
  common::Result<common::Json> parseOverride(std::string_view text) override;
  void objectKey(const std::string& path) override;
  void accepted(const std::string& path, const common::FieldValue& from,
                common::Shown shown) override;
  void beginMembers(const std::string& objectPath, const std::string& pattern, bool open) override;
  void endMembers() override;
  void badMemberName(const std::string& objectPath, std::string_view name) override;

 private:
  /// An environment variable or a --set entry, and whether some key consumed it.
  struct Override {
    std::string name;  ///< FHIRGW_SERVER_PORT, or server.port for --set
    std::string value;
    std::string origin;  ///< for messages: "from environment FHIRGW_SERVER_PORT"
    bool used = false;
  };

  void known(const std::string& path, std::set<std::string>& into);
  std::string describe(const common::FieldValue& value, common::Shown shown) const;
  std::string_view originOf(const common::FieldValue& value) const;
  std::string openParentOf(const std::string& path) const;
  std::string hintForPath(const std::string& path) const;
  std::string hintForEnv(const std::string& name) const;

  std::string fileOrigin_;
  std::vector<Override> env_;
  std::vector<Override> sets_;  // in command-line order: a later entry wins
  std::set<std::string> leaves_;
  std::set<std::string> objects_;
  std::set<std::string> openObjects_;
  std::set<std::string> patterns_;               // rules.tariffs.<ACT>
  std::set<std::string> patterned_;              // leaves named by data, documented by a pattern
  std::string pattern_;                          // set between beginMembers and endMembers
  std::map<std::string, std::string> sources_;   // leaf path -> where its value came from
  std::map<std::string, std::string> envPaths_;  // variable name -> key path
  std::vector<std::string> unknownFileKeys_;
  std::vector<std::string> errors_;
};

}  // namespace fhirgw::gateway::detail
