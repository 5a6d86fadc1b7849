#include "fhirgw/connectors/mssante/mssante_connector.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "connector_support.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/url.hpp"
#include "fhirgw/connectors/formats/mime_message.hpp"
#include "fhirgw/connectors/options_reader.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/xds/metadata_builder.hpp"
#include "fhirgw/xds/unique_ids.hpp"
#include "fhirgw/xds/xdm_package.hpp"

namespace fhirgw::connectors {
namespace {

// The texts say nothing of the patient nor of the content: a mail client shows them in clear.
constexpr std::string_view kTextToProfessional =
    "Bonjour,\n"
    "\n"
    "Vous trouverez ci-joint un document transmis par messagerie sécurisée de santé "
    "(MSSanté), avec le fichier IHE_XDM.ZIP qui porte ses métadonnées (IHE XDM).\n"
    "\n"
    "Ce message a été envoyé automatiquement par une passerelle de téléconsultation.\n";
constexpr std::string_view kTextToPatient =
    "Bonjour,\n"
    "\n"
    "Un professionnel de santé vous a transmis un document, ci-joint.\n"
    "\n"
    "Ce message a été envoyé automatiquement : il n'est pas possible d'y répondre.\n";
constexpr std::string_view kSubjectPrefix = "XDM/1.0/DDM+";

std::optional<std::string> readPassword(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string password = text.str();
  // A trailing line break is the editor's, not the password's.
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

// An SMTP AUTH password goes through SASL PLAIN or LOGIN: any bytes but control characters.
bool usablePassword(std::string_view password) {
  return !password.empty() && password.size() <= 1024 &&
         std::none_of(password.begin(), password.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u < 0x20 || u == 0x7f;
         });
}

/// RFC 5322 3.3 date-time in UTC ("Wed, 02 Dec 2026 08:30:00 +0000").
std::string mailDate(common::TimePoint at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&t, &utc);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[utc.tm_wday % 7], utc.tm_mday, kMonths[utc.tm_mon % 12], utc.tm_year + 1900,
                utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

/// The INS-NIR of the payload's Patient, when it carries one (the mapper writes the INS only
/// when the identity is qualified).
std::optional<std::string> patientInsNir(const DeliveryPayload& payload) {
  const PayloadResource* patient = payload.find("Patient");
  if (patient == nullptr) return std::nullopt;
  auto json = common::Json::parse(patient->json);
  if (!json) return std::nullopt;
  const common::Json* identifiers = json->find("identifier");
  if (identifiers == nullptr || !identifiers->isArray()) return std::nullopt;
  for (const common::Json& id : identifiers->items()) {
    const auto system = fhir::fr::insSystemOfUri(id.stringAt("system"));
    if (system && fhir::fr::isNir(*system) && !id.stringAt("value").empty()) {
      return id.stringAt("value");
    }
  }
  return std::nullopt;
}

/// The right-hand side of the Message-ID: the sending mailbox's domain.
std::string messageIdDomain(const std::string& from) {
  const auto parsed = parseMailAddress(from);
  return parsed ? parsed->domain : "fhir-gateway.invalid";
}

}  // namespace

std::vector<std::string> MssanteConnectorFactory::secretOptionKeys() const { return {"password"}; }

void MssanteConnectorFactory::readOptions(OptionsReader& r, MssanteOptions& out) const {
  if (auto url = r.string("url", /*required=*/true)) {
    if (auto parsed = common::parseSmtpUrl(*url)) {
      out.smtp.url = parsed->text;
    } else {
      r.error("url", parsed.error().message());
    }
  }
  if (auto v = r.millis("connectTimeoutMs", 1, 240'000)) out.smtp.connectTimeout = *v;
  // Capped below the engine's default lease (5 min), so a claim outlives its attempt.
  if (auto v = r.millis("timeoutMs", 1, 240'000)) out.smtp.timeout = *v;
  if (out.smtp.connectTimeout > out.smtp.timeout) {
    r.error("connectTimeoutMs", "must not exceed timeoutMs");
  }
  detail::readAllowedPrivateNetworks(r, out.smtp.addressPolicy);
  // The application mailbox authenticates with its certificate: mutual TLS is required.
  if (auto v = r.readableFile("caFile", /*required=*/true)) out.smtp.caFile = *v;
  if (auto v = r.readableFile("clientCertificateFile", /*required=*/true)) {
    out.smtp.clientCertificateFile = *v;
  }
  if (auto v = r.readableFile("clientKeyFile", /*required=*/true)) out.smtp.clientKeyFile = *v;
  const auto user = r.string("username");
  const auto passwordFile = r.readableFile("passwordFile");
  // Written inline (the admin API seals it at rest); its value never appears in a message.
  const auto password =
      r.string("password", common::Need::kOptional, "a string", common::Shown::kSecret);
  if (password && !usablePassword(*password)) {
    r.error("password", "must be one line without control characters (value not shown)");
  }
  const bool hasPassword = r.has("password") || r.has("passwordFile");
  if (r.has("password") && r.has("passwordFile")) {
    r.error("password", "password and passwordFile exclude each other");
  } else if (r.has("username") != hasPassword) {
    r.error(user ? "password" : "username", "username goes with password or passwordFile");
  } else if (user && passwordFile) {
    out.smtp.username = *user;
    if (auto fromFile = readPassword(*passwordFile); fromFile && !fromFile->empty()) {
      out.smtp.password = *fromFile;
    } else {
      r.error("passwordFile", "is empty or cannot be read");
    }
  } else if (user && password) {
    out.smtp.username = *user;
    out.smtp.password = *password;
  }
  if (auto from = r.string("from", /*required=*/true)) {
    out.from = *from;
    if (!parseMailAddress(*from)) r.error("from", "is not a plain mail address (local@domain)");
  }
  if (auto v = r.string("productReference", /*required=*/true)) {
    out.productReference = *v;
    if (v->empty() || v->size() > 200 || std::any_of(v->begin(), v->end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u < 0x20 || u >= 0x7f;
        })) {
      r.error("productReference", "must be printable ASCII, 1 to 200 characters");
    }
  }
  detail::readXdsIds(r, out.sourceId, out.uniqueIdRoot);
  if (auto v = r.readableFile("trustListFile")) {
    if (auto trust = TrustSpace::fromFile(*v)) {
      out.trust = std::move(*trust);
    } else {
      r.error("trustListFile", trust.error().message());
    }
  }
  if (!out.from.empty() && parseMailAddress(out.from) && !out.trust.admits(out.from)) {
    r.error("from", "must be a mailbox of the MSSanté trust space (a .mssante.fr domain)");
  }
}

common::Result<std::unique_ptr<MssanteConnector>> MssanteConnectorFactory::createTyped(
    MssanteOptions options, const ConnectorContext& context) const {
  return MssanteConnector::create(std::move(options), context);
}

common::Result<MssanteOptions> parseMssanteOptions(std::string_view optionsJson,
                                                   const std::string& path) {
  return MssanteConnectorFactory().parseOptions(optionsJson, path);
}

MssanteConnector::MssanteConnector(MssanteOptions options, const ConnectorContext& context,
                                   std::unique_ptr<SmtpClient> client)
    : options_(std::move(options)), context_(context), client_(std::move(client)) {}

common::Result<std::unique_ptr<MssanteConnector>> MssanteConnector::create(
    MssanteOptions options, const ConnectorContext& context) {
  FHIRGW_ASSIGN_OR_RETURN(auto client, SmtpClient::create(options.smtp));
  return std::unique_ptr<MssanteConnector>(
      new MssanteConnector(std::move(options), context, std::move(client)));
}

bool MssanteConnector::acceptsTarget(std::string_view target) const {
  return options_.trust.admits(target);
}

DeliveryResult MssanteConnector::deliver(const DeliveryPayload& payload, std::stop_token stop) {
  // Who receives it. Reasons and messages never quote the address: a patient's holds the INS.
  const bool toPatient = payload.destination == "patient";
  std::string recipient;
  if (toPatient) {
    const auto ins = patientInsNir(payload);
    const auto mailbox = ins ? patientMailbox(*ins) : std::nullopt;
    if (!mailbox) {
      return DeliveryResult::permanent("the patient has no INS-NIR to address Mon Espace Santé")
          .because("no-recipient");
    }
    recipient = *mailbox;
  } else if (payload.target && !payload.target->empty()) {
    recipient = *payload.target;
  } else {
    return DeliveryResult::permanent("no MSSanté address for this delivery")
        .because("no-recipient");
  }
  if (!options_.trust.admits(recipient)) {
    return DeliveryResult::permanent("recipient outside the MSSanté trust space: not sent")
        .because("recipient-not-trusted");
  }

  // The XDM package, its metadata built from the stored FHIR resources.
  xds::SubmissionInput input;
  input.resourcesJson.reserve(payload.resources.size());
  for (const PayloadResource& r : payload.resources) input.resourcesJson.push_back(r.json);
  input.deliveryId = payload.deliveryId;
  input.sourceId = options_.sourceId;
  if (!options_.uniqueIdRoot.empty()) input.uniqueIdRoot = options_.uniqueIdRoot;
  input.submissionTime = payload.createdAt;
  input.intendedRecipients = {recipient};
  // A professional may receive a document about a patient without qualified INS (then named by
  // the gateway's id); the patient's own mailbox exists only for an INS.
  input.requireIns = toPatient;
  auto submission = xds::buildSubmission(input);
  if (!submission) {
    return DeliveryResult::permanent(submission.error().message()).because("payload-refused");
  }
  auto zip = xds::writeXdmZip(submission->metadata, submission->documents);
  if (!zip) return DeliveryResult::permanent(zip.error().message()).because("payload-refused");

  const xds::DocumentEntry& entry = submission->metadata.documents.front();
  MimeMessage message;
  message.headers = {
      {"From", "<" + options_.from + ">"},
      {"To", "<" + recipient + ">"},
      {"Subject", std::string(kSubjectPrefix) +
                      (entry.classCode.display.empty() ? "Document" : entry.classCode.display)},
      {"Date", mailDate(context_.clock->now())},
      // Stable per delivery: a retry after a lost answer is recognisable as the same message.
      {"Message-ID", "<" + payload.deliveryId + "@" + messageIdDomain(options_.from) + ">"},
      {"X-MSS-NIL", options_.productReference},
      {"X-MSS-INS", submission->patientIdIsIns ? "O" : "N"},
  };
  // X-MSS-CODECDA names the CDA's type code; the XDM carries the original document until CDA
  // generation exists (issue 12), so it is not sent yet.
  if (toPatient) message.headers.emplace_back("X-MSS-MES", "FIN");  // the patient cannot reply
  message.text = toPatient ? kTextToPatient : kTextToProfessional;
  message.attachments.push_back(
      {entry.mimeType, xds::xdmDocumentFileName(1, entry.mimeType), submission->documents.front()});
  message.attachments.push_back({"application/zip", "IHE_XDM.ZIP", std::move(*zip)});
  auto mime = writeMime(message, payload.deliveryId);
  if (!mime) return DeliveryResult::permanent(mime.error().message()).because("payload-refused");

  const SmtpResult sent = client_->send({options_.from, {recipient}}, *mime, std::move(stop));
  return classifySmtp(sent);
}

ProbeResult MssanteConnector::probe(std::stop_token stop) const {
  return client_->probe(std::move(stop));
}

}  // namespace fhirgw::connectors
