#include "fhirgw/connectors/dmp_xds/dmp_xds_connector.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "connector_support.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/connectors/options_reader.hpp"
#include "fhirgw/xds/iti41.hpp"
#include "fhirgw/xds/metadata_builder.hpp"
#include "fhirgw/xds/registry_response.hpp"
#include "fhirgw/xds/signature_entry.hpp"
#include "fhirgw/xds/signing.hpp"
#include "fhirgw/xds/unique_ids.hpp"
#include "fhirgw/xds/vihf.hpp"
#include "fhirgw/xds/xades.hpp"

namespace fhirgw::connectors {
namespace {

/// TRE_R02-SecteurActivite, the system of Secteur_Activite (JDV_J61).
constexpr std::string_view kSectorSystem = "1.2.250.1.71.4.2.4";
/// TRE_G15-ProfessionSante and TRE_R38-SpecialiteOrdinale: the VIHF roles (JDV_J65).
constexpr std::string_view kProfessionSystem = "1.2.250.1.71.1.2.7";
constexpr std::string_view kSpecialtySystem = "1.2.250.1.71.4.2.5";

bool printable(std::string_view v, std::size_t max) {
  return !v.empty() && v.size() <= max && std::all_of(v.begin(), v.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

/// HL7 v2 escapes back to text (\S\ ^, \F\ |, \T\ &, \R\ ~, \E\ \).
std::string unescapeHl7(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size() && text[i + 2] == '\\') {
      const char c = text[i + 1];
      const char plain = c == 'S' ? '^' : c == 'F' ? '|' : c == 'T' ? '&' : c == 'R' ? '~' : '\\';
      if (c == 'S' || c == 'F' || c == 'T' || c == 'R' || c == 'E') {
        out += plain;
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::vector<std::string> components(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('^', start);
    out.push_back(unescapeHl7(text.substr(start, end - start)));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

/// The VIHF's subject: the document's author, as its metadata names him (XCN, specialty).
xds::VihfInput vihfSubject(const xds::Author& author) {
  xds::VihfInput in;
  const std::vector<std::string> person = components(author.person);
  in.nameId = person.empty() ? std::string() : person[0];
  const std::string family = person.size() > 1 ? person[1] : std::string();
  const std::string given = person.size() > 2 ? person[2] : std::string();
  in.subjectId = given.empty() ? family : given + " " + family;
  in.roles.push_back({.code = "10",
                      .codeSystem = std::string(kProfessionSystem),
                      .displayName = "Medecin",
                      .codeSystemName = ""});
  // authorSpecialty "G15_10/SM54^display^1.2.250.1.213.1.1.4.5": the savoir-faire is the SM code.
  const std::vector<std::string> specialty = components(author.specialty);
  if (!specialty.empty()) {
    const std::size_t slash = specialty[0].find('/');
    const std::string code =
        slash == std::string::npos ? std::string() : specialty[0].substr(slash + 1);
    if (code.starts_with("SM")) {
      in.roles.push_back({.code = code,
                          .codeSystem = std::string(kSpecialtySystem),
                          .displayName = specialty.size() > 1 ? specialty[1] : code,
                          .codeSystemName = ""});
    }
  }
  return in;
}

/// Which document kind a CDA is, as routing names kinds.
std::string_view kindName(xds::CdaKind kind) {
  switch (kind) {
    case xds::CdaKind::kTeleconsultationReport:
      return "report";
    case xds::CdaKind::kPrescription:
      return "prescription";
    case xds::CdaKind::kSickLeave:
      return "sick-leave";
  }
  return "report";
}

}  // namespace

void DmpXdsConnectorFactory::readOptions(OptionsReader& r, DmpXdsOptions& out) const {
  detail::readHttpOptions(r, out.http, /*requireMutualTls=*/true);
  if (auto base = r.string("baseUrl", /*required=*/true)) {
    if (auto url =
            detail::checkEndpointUrl(r, "baseUrl", *base, out.http.allowInsecureHttpForTesting)) {
      out.baseUrl = url->text;
      while (!out.baseUrl.empty() && out.baseUrl.back() == '/') out.baseUrl.pop_back();
    }
  }
  if (auto v = r.readableFile("signingCertificateFile", /*required=*/true)) {
    out.signingCertificateFile = *v;
  }
  if (auto v = r.readableFile("signingKeyFile", /*required=*/true)) out.signingKeyFile = *v;
  if (!out.signingCertificateFile.empty() && !out.signingKeyFile.empty()) {
    // Loaded here too, so a wrong pair is named at start-up with its key.
    if (auto loaded = xds::SigningCredentials::load(out.signingKeyFile, out.signingCertificateFile);
        !loaded) {
      r.error("signingCertificateFile", loaded.error().message());
    }
  }
  if (auto v = r.string("structureId", /*required=*/true)) {
    out.structureId = *v;
    if (!printable(*v, 64) || v->find_first_of("^&|~\\ ") != std::string::npos) {
      r.error("structureId", "must be the structure's national id (Struct_IdNat), e.g. 1<FINESS>");
    }
  }
  if (auto v = r.string("sector")) {
    out.sector = *v;
    if (v->empty() || v->size() > 16 || !std::all_of(v->begin(), v->end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        })) {
      r.error("sector", "must be a TRE_R02 code such as SA07");
    }
  }
  if (auto product = r.child("product")) {
    if (auto v = product->string("name", true)) out.product.name = *v;
    if (auto v = product->string("version", true)) out.product.version = *v;
    if (auto v = product->string("homologationNumber", true)) out.product.homologationNumber = *v;
    if (auto v = product->string("id")) out.product.id = *v;
    for (const auto* value :
         {&out.product.name, &out.product.version, &out.product.homologationNumber}) {
      if (!value->empty() && !printable(*value, 200)) {
        product->error("name", "product values must be printable, up to 200 characters");
        break;
      }
    }
  } else {
    r.error("product", "is required: {name, version, homologationNumber}");
  }
  detail::readXdsIds(r, out.sourceId, out.uniqueIdRoot);
  if (auto v = r.string("vihfVersion")) {
    if (*v != "3.0" && *v != "4.0") r.error("vihfVersion", "must be \"3.0\" or \"4.0\"");
    out.vihfVersion = *v;
  }
  if (auto v = r.string("xadesProfile")) {
    if (*v == "dmp-legacy") {
      out.xadesProfile = DmpXadesProfile::kLegacy;
    } else if (*v == "dmp-sha256") {
      out.xadesProfile = DmpXadesProfile::kSha256;
    } else {
      r.error("xadesProfile", "must be \"dmp-legacy\" or \"dmp-sha256\"");
    }
  }
  if (auto kinds = r.strings("documentKinds", /*required=*/false)) {
    out.sendPrescriptions = false;
    out.sendSickLeave = false;
    bool report = false;
    for (const std::string& kind : *kinds) {
      if (kind == "report") {
        report = true;
      } else if (kind == "prescription") {
        out.sendPrescriptions = true;
      } else if (kind == "sick-leave") {
        out.sendSickLeave = true;
      } else {
        r.error("documentKinds", "knows report, prescription and sick-leave, not \"" +
                                     (printable(kind, 40) ? kind : std::string("?")) + "\"");
      }
    }
    if (!report) r.error("documentKinds", "must include report: the DMP route carries it");
  }
  if (auto v = r.integer("maxAttemptsOnUnknownError", 1, 100, /*required=*/false)) {
    out.maxAttemptsOnUnknownError = *v;
  }
}

common::Result<std::unique_ptr<DmpXdsConnector>> DmpXdsConnectorFactory::createTyped(
    DmpXdsOptions options, const ConnectorContext& context) const {
  return DmpXdsConnector::create(std::move(options), context);
}

common::Result<DmpXdsOptions> parseDmpXdsOptions(std::string_view optionsJson,
                                                 const std::string& path) {
  return DmpXdsConnectorFactory().parseOptions(optionsJson, path);
}

DmpXdsConnector::DmpXdsConnector(DmpXdsOptions options, const ConnectorContext& context,
                                 std::unique_ptr<HttpClient> client,
                                 std::unique_ptr<const xds::SigningCredentials> credentials)
    : options_(std::move(options)),
      context_(context),
      client_(std::move(client)),
      credentials_(std::move(credentials)),
      repositoryUrl_(options_.baseUrl + "/repository") {}

common::Result<std::unique_ptr<DmpXdsConnector>> DmpXdsConnector::create(
    DmpXdsOptions options, const ConnectorContext& context) {
  FHIRGW_ASSIGN_OR_RETURN(
      auto credentials,
      xds::SigningCredentials::load(options.signingKeyFile, options.signingCertificateFile,
                                    context.clock->now()));
  // The DMP answers with a RegistryResponse, a few KiB; a fault carries a short text.
  FHIRGW_ASSIGN_OR_RETURN(auto client, HttpClient::create(options.http));
  return std::unique_ptr<DmpXdsConnector>(
      new DmpXdsConnector(std::move(options), context, std::move(client),
                          std::make_unique<const xds::SigningCredentials>(std::move(credentials))));
}

DmpXdsConnector::~DmpXdsConnector() = default;

bool DmpXdsConnector::acceptsDocumentKind(std::string_view kind) const {
  if (kind == "prescription") return options_.sendPrescriptions;
  if (kind == "sick-leave") return options_.sendSickLeave;
  return true;
}

DeliveryResult DmpXdsConnector::deliver(const DeliveryPayload& payload, std::stop_token stop) {
  // The CDA documents and their metadata, from the stored FHIR resources.
  xds::SubmissionInput input;
  input.resourcesJson.reserve(payload.resources.size());
  for (const PayloadResource& r : payload.resources) input.resourcesJson.push_back(r.json);
  input.deliveryId = payload.deliveryId;
  input.sourceId = options_.sourceId;
  if (!options_.uniqueIdRoot.empty()) input.uniqueIdRoot = options_.uniqueIdRoot;
  input.submissionTime = payload.createdAt;
  input.requireIns = true;
  input.cda = true;
  auto submission = xds::buildSubmission(input);
  if (!submission) {
    return DeliveryResult::permanent(submission.error().message()).because("payload-refused");
  }
  for (const xds::CdaKind kind : submission->cdaKinds) {
    if (!acceptsDocumentKind(kindName(kind))) {
      return DeliveryResult::permanent("this connector is not configured to send a " +
                                       std::string(kindName(kind)))
          .because("document-kind-not-sent");
    }
  }

  // The XAdES signature of the submission set, as its third document. Signed at the delivery's
  // creation time: a retry sends the same signature bytes under the same uniqueId.
  const std::string root = options_.uniqueIdRoot.empty() ? std::string(xds::kDefaultUniqueIdRoot)
                                                         : options_.uniqueIdRoot;
  auto signatureId = xds::signatureUniqueId(root, payload.deliveryId);
  if (!signatureId) return DeliveryResult::permanent(signatureId.error().message());
  xds::XadesInput xades{.signatureId = *signatureId,
                        .submissionSetUniqueId = submission->metadata.submissionSet.uniqueId,
                        .documents = {},
                        .signingTime = payload.createdAt};
  for (std::size_t i = 0; i < submission->documents.size(); ++i) {
    xades.documents.push_back(
        {submission->metadata.documents[i].uniqueId, submission->documents[i]});
  }
  const xds::XadesProfile profile = options_.xadesProfile == DmpXadesProfile::kSha256
                                        ? xds::XadesProfile::kDmpSha256
                                        : xds::XadesProfile::kDmpLegacy;
  auto signature = xds::buildXadesSignature(xades, profile, *credentials_);
  if (!signature) {
    return DeliveryResult::permanent(signature.error().message()).because("signature-failed");
  }
  if (auto added = xds::addSignatureDocument(*submission, std::move(*signature), *signatureId,
                                             payload.createdAt);
      !added.isOk()) {
    return DeliveryResult::permanent(added.message()).because("payload-refused");
  }

  // The VIHF: who sends, for which patient, from which product. Fresh for each attempt.
  const common::TimePoint now = context_.clock->now();
  xds::VihfInput vihf = vihfSubject(submission->metadata.documents.front().author);
  vihf.vihfVersion = options_.vihfVersion;
  vihf.issueInstant = now;
  vihf.secteurActivite = options_.sector + "^" + std::string(kSectorSystem);
  vihf.identifiantStructure = options_.structureId;
  vihf.resourceId = submission->metadata.submissionSet.patientId;
  vihf.lpsNom = options_.product.name;
  vihf.lpsVersion = options_.product.version;
  vihf.lpsId = options_.product.id;
  vihf.lpsIdHomologationDmp = options_.product.homologationNumber;
  auto assertion = xds::buildSignedVihf(vihf, *credentials_);
  if (!assertion) {
    return DeliveryResult::permanent(assertion.error().message()).because("signature-failed");
  }

  const std::string attemptUuid = common::deterministicUuid(
      {"dmp-xds-message", payload.deliveryId, std::to_string(payload.attempt)});
  xds::Iti41Envelope envelope;
  envelope.assertion = *assertion;
  envelope.to = repositoryUrl_;
  envelope.messageId = "urn:uuid:" + attemptUuid;
  envelope.boundarySeed = attemptUuid;
  auto request = xds::writeIti41Request(*submission, envelope);
  if (!request) {
    return DeliveryResult::permanent(request.error().message()).because("payload-refused");
  }

  HttpRequest http;
  http.method = "POST";
  http.url = repositoryUrl_;
  http.headers = {{"Content-Type", request->contentType},
                  {"Accept", "multipart/related, application/soap+xml"}};
  http.body = std::move(request->body);
  const auto sent = client_->send(http, std::move(stop));
  if (!sent) return classifyHttp(sent, context_.clock->now());

  // A SOAP answer (RegistryResponse or fault) is judged by its content whatever the status:
  // SOAP 1.2 faults come with 400 or 500. Anything else by the HTTP status (503 + Retry-After…).
  const auto contentType = sent->header("content-type");
  auto parsed = xds::parseIti41Response(contentType.value_or(""), sent->body);
  if (!parsed || sent->bodyTruncated) {
    DeliveryResult byStatus = classifyHttp(sent, context_.clock->now());
    if (!byStatus.delivered()) return byStatus;
    return DeliveryResult::transient("the DMP answered without a readable RegistryResponse",
                                     sent->status)
        .because("unreadable-response");
  }
  const xds::Iti41Classification judged =
      xds::classifyIti41Response(*parsed, xds::submittedUniqueIds(submission->metadata));
  const std::string reason(xds::iti41OutcomeName(judged.outcome));
  switch (judged.outcome) {
    case xds::Iti41Outcome::kDelivered:
      return DeliveryResult::success(sent->status);
    case xds::Iti41Outcome::kDeliveredWithWarnings:
    case xds::Iti41Outcome::kAlreadyRegistered:
      return DeliveryResult::success(sent->status).because(reason);
    case xds::Iti41Outcome::kTransient:
      return DeliveryResult::transient(
                 "DMP: " + judged.reason, sent->status,
                 parseRetryAfter(sent->header("retry-after").value_or(""), context_.clock->now()))
          .because(reason);
    case xds::Iti41Outcome::kPermanent:
      return DeliveryResult::permanent("DMP: " + judged.reason, sent->status).because(reason);
    case xds::Iti41Outcome::kUnknown:
      if (payload.attempt >= options_.maxAttemptsOnUnknownError) {
        return DeliveryResult::permanent("DMP: " + judged.reason + " (unknown, attempt " +
                                             std::to_string(payload.attempt) + ")",
                                         sent->status)
            .because(reason);
      }
      return DeliveryResult::transient("DMP: " + judged.reason + " (unknown)", sent->status)
          .because(reason);
  }
  return DeliveryResult::transient("DMP: " + judged.reason, sent->status).because(reason);
}

ProbeResult DmpXdsConnector::probe(std::stop_token stop) const {
  return client_->probe(repositoryUrl_, std::move(stop));
}

}  // namespace fhirgw::connectors
