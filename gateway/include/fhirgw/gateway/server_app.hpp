#pragma once

#include <Poco/Util/ServerApplication.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fhirgw::gateway {

/// The fhir-gateway process: options, configuration (exit 78 when bad), listeners, and a clean
/// drain on SIGTERM / SIGINT (exit 0).
class GatewayApp final : public Poco::Util::ServerApplication {
 public:
  GatewayApp();

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  int runGateway(const std::vector<std::string>& args);
  void printHelp();

  std::optional<std::string> configFile_;
  std::vector<std::pair<std::string, std::string>> sets_;
  std::vector<std::string> optionErrors_;
  bool helpRequested_ = false;
  bool versionRequested_ = false;
};

}  // namespace fhirgw::gateway
