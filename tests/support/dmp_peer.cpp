#include "fhirgw/testsupport/dmp_peer.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <sstream>

#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::testsupport {

namespace {

std::string member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

int countLines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

bool DmpJournalEntry::hasError(const std::string& code) const {
  return std::any_of(errors.begin(), errors.end(),
                     [&code](const auto& error) { return error.first == code; });
}

// npm ci may run on a fresh machine: allow it time.
DmpPeer::DmpPeer(const DmpPeerOptions& options)
    : dir_("fhirgw-dmp-peer"),
      process_("/bin/bash", arguments(options), std::chrono::seconds(180)) {}

std::string DmpPeer::url() const { return baseUrl() + "/repository"; }

std::string DmpPeer::baseUrl() const {
  return "https://localhost:" + std::to_string(port()) + "/si-dmp-server/v2/services";
}

void DmpPeer::setControl(const std::string& json) const {
  const auto written = dir_.write("control.json.tmp", json);
  std::filesystem::rename(written, dir_.path() / "control.json");
}

std::vector<DmpJournalEntry> DmpPeer::journal() const {
  std::vector<DmpJournalEntry> out;
  std::istringstream lines(readFile(dir_.path() / "journal.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    DmpJournalEntry entry;
    entry.json = line;
    if (doc.HasMember("n") && doc["n"].IsInt()) entry.n = doc["n"].GetInt();
    entry.response = member(doc, "response");
    entry.accepted =
        doc.HasMember("accepted") && doc["accepted"].IsBool() && doc["accepted"].GetBool();
    entry.messageId = member(doc, "messageId");
    entry.submissionSetUniqueId = member(doc, "submissionSetUniqueId");
    entry.patientIdSha256 = member(doc, "patientIdSha256");
    entry.bodySha256 = member(doc, "bodySha256");
    if (doc.HasMember("errors") && doc["errors"].IsArray()) {
      for (const auto& error : doc["errors"].GetArray()) {
        if (error.IsObject())
          entry.errors.emplace_back(member(error, "code"), member(error, "context"));
      }
    }
    if (doc.HasMember("documentUniqueIds") && doc["documentUniqueIds"].IsArray()) {
      for (const auto& id : doc["documentUniqueIds"].GetArray()) {
        if (id.IsString()) entry.documentUniqueIds.emplace_back(id.GetString());
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

int DmpPeer::refusedHandshakes() const {
  return countLines(readFile(dir_.path() / "tls-errors.jsonl"));
}

std::string DmpPeer::requestBody(int n) const {
  return readFile(dir_.path() / ("request-" + std::to_string(n) + ".bin"));
}

std::vector<std::string> DmpPeer::arguments(const DmpPeerOptions& options) const {
  std::vector<std::string> args = {sourcePath("tests/connectors/dmp-peer/run.sh").string(),
                                   "--pki",
                                   testPkiDir().string(),
                                   "--dir",
                                   dir_.str(),
                                   "--shared",
                                   FHIRGW_SHARED_DIR};
  if (!options.signCertificate.empty()) {
    args.insert(args.end(), {"--sign-cert", options.signCertificate.string()});
  }
  args.insert(args.end(),
              {"--signing-time-window", std::to_string(options.signingTimeWindow.count())});
  if (options.schematron) {
    args.insert(args.end(), {"--schematron", "--schematron-cache", FHIRGW_DMP_SCHEMATRON_CACHE});
  }
  return args;
}

}  // namespace fhirgw::testsupport
