#include "fhirgw/testsupport/smtp_peer.hpp"

#include <cstdio>

#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::testsupport {

SmtpPeer::SmtpPeer(const SmtpPeerOptions& options)
    : options_(options), process_("/usr/bin/python3", arguments(), std::chrono::seconds(20)) {}

std::string SmtpPeer::url() const {
  return std::string(options_.implicitTls ? "smtps" : "smtp") +
         "://localhost:" + std::to_string(port());
}

void SmtpPeer::setControl(const std::string& json) const {
  const auto written = dir_.write("control.json.tmp", json);
  std::filesystem::rename(written, dir_.path() / "control.json");
}

int SmtpPeer::connections() const {
  const std::string events = readFile(dir_.path() / "events.jsonl");
  int n = 0;
  for (std::size_t at = events.find("\"connect\""); at != std::string::npos;
       at = events.find("\"connect\"", at + 1)) {
    ++n;
  }
  return n;
}

std::string SmtpPeer::events() const { return readFile(dir_.path() / "events.jsonl"); }

rapidjson::Document SmtpPeer::inspect(int n) const {
  const std::string command =
      "/usr/bin/python3 " + sourcePath("tests/connectors/smtp-peer/inspect_message.py").string() +
      " " + (dir_.path() / "messages" / (std::to_string(n) + ".eml")).string() + " " +
      FHIRGW_SHARED_DIR "/reference/xds-schemas/ebRS/lcm.xsd";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
    ::pclose(pipe);
  }
  rapidjson::Document doc;
  doc.Parse(out.c_str());
  return doc;
}

std::vector<std::string> SmtpPeer::arguments() const {
  std::vector<std::string> args = {sourcePath("tests/connectors/smtp-peer/smtp_peer.py").string(),
                                   "--pki",
                                   testPkiDir().string(),
                                   "--dir",
                                   dir_.str(),
                                   "--tls",
                                   options_.implicitTls ? "implicit" : "starttls"};
  if (!options_.user.empty()) {
    args.insert(args.end(), {"--user", options_.user, "--password-file",
                             dir_.write("password", options_.password).string()});
  }
  return args;
}

std::vector<std::string> SmtpPeer::files(const std::string& suffix) const {
  std::vector<std::string> out;
  for (int n = 1;; ++n) {
    const auto path = dir_.path() / "messages" / (std::to_string(n) + suffix);
    if (!std::filesystem::exists(path)) break;
    out.push_back(readFile(path));
  }
  return out;
}

}  // namespace fhirgw::testsupport
