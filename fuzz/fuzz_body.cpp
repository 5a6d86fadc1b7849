// libFuzzer target: bytes -> an editor request body, through the code that serves it.
//
// Every input is posted to the real `POST /api/v1/$validate` handler (EditorApi with its router,
// authentication, request limits, JSON reader, body parser, rules, FHIR mapper, bundle and the
// answer), over an in-memory Poco request and response and a throw-away SQLite store; nothing is
// stored by $validate. Inputs whose root object has a top-level "kind" also take the path of
// `POST .../documents` (parseDocument, document rules against the full example teleconsultation,
// mapDocument), as the handler runs it. Exceptions are caught like the listener does (they are
// answered 500).
//
// FHIRGW_FUZZ_STRICT=1 in the environment also aborts on answers that are bugs without being
// crashes: a 500 (an exception or a mapping bug), or an answer that is not valid UTF-8 JSON.
// FHIRGW_FUZZ_VERBOSE=1 prints each answer's status and start (to look at a reproducer).
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/api_keys.hpp"
#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/exchange.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace {

namespace common = fhirgw::common;
namespace domain = fhirgw::domain;
namespace fhir = fhirgw::fhir;
namespace gateway = fhirgw::gateway;
namespace mapping = fhirgw::mapping;
namespace rules = fhirgw::rules;
namespace store = fhirgw::store;
namespace testsupport = fhirgw::testsupport;

/// A response that keeps what the handler sends.
class MemoryResponse final : public Poco::Net::HTTPServerResponse {
 public:
  void sendContinue() override {}
  std::ostream& send() override {
    sent_ = true;
    return body_;
  }
  void sendFile(const std::string&, const std::string&) override { sent_ = true; }
  void sendBuffer(const void* buffer, std::size_t length) override {
    sent_ = true;
    body_.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
  }
  void redirect(const std::string&, HTTPStatus) override { sent_ = true; }
  void requireAuthentication(const std::string&) override { sent_ = true; }
  bool sent() const override { return sent_; }
  std::string body() const { return body_.str(); }

 private:
  std::ostringstream body_;
  bool sent_ = false;
};

/// A request whose body is the fuzz input.
class MemoryRequest final : public Poco::Net::HTTPServerRequest {
 public:
  MemoryRequest(std::string_view body, MemoryResponse& response)
      : body_(std::string(body)), response_(response), params_(new Poco::Net::HTTPServerParams) {}
  std::istream& stream() override { return body_; }
  const Poco::Net::SocketAddress& clientAddress() const override { return address_; }
  const Poco::Net::SocketAddress& serverAddress() const override { return address_; }
  const Poco::Net::HTTPServerParams& serverParams() const override { return *params_; }
  Poco::Net::HTTPServerResponse& response() const override { return response_; }
  bool secure() const override { return true; }

 private:
  std::istringstream body_;
  MemoryResponse& response_;
  Poco::Net::SocketAddress address_{"127.0.0.1", 8443};
  Poco::Net::HTTPServerParams::Ptr params_;
};

/// The gateway's request path for $validate, built once.
struct Gateway {
  /// A fixed "now", the tests' (2026-11-22T12:00Z, after the examples' encounters): runs are
  /// reproducible and the examples pass the date rules.
  std::unique_ptr<common::ManualClock> clock =
      std::make_unique<common::ManualClock>(testsupport::gatewayTestNow());
  std::unique_ptr<store::Store> store;
  std::unique_ptr<gateway::StoreActivityHistory> history;
  std::unique_ptr<rules::RuleEngine> rules;
  std::unique_ptr<fhir::Validator> validator;
  std::unique_ptr<mapping::FhirMapper> mapper;
  std::unique_ptr<gateway::Authenticator> auth;
  std::unique_ptr<gateway::RateLimiter> limiter;
  std::unique_ptr<gateway::AccessGate> gate;
  std::unique_ptr<gateway::EditorApi> api;
  std::unique_ptr<gateway::Router> router;
  std::string bearer;
  /// The context of documents: the full example teleconsultation, as the store would hold it.
  domain::Teleconsultation context;
  bool strict = false;
  bool verbose = false;
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_body: %s\n", what);
  std::abort();
}

Gateway& gatewayOnce() {
  // The store's folder, under $TMPDIR (scripts/fuzz.sh points it at the run's work folder),
  // removed at exit.
  static const testsupport::TempDir dataDir("fuzz_body");
  static Gateway* g = [] {
    auto* built = new Gateway;
    common::Log::setLevel(common::LogLevel::kError);
    const char* strict = std::getenv("FHIRGW_FUZZ_STRICT");
    built->strict = strict != nullptr && std::string_view(strict) == "1";
    const char* verbose = std::getenv("FHIRGW_FUZZ_VERBOSE");
    built->verbose = verbose != nullptr && std::string_view(verbose) == "1";

    store::StoreOptions options;
    options.dataDir = dataDir.str();
    auto opened = store::openStore(options, *built->clock);
    if (!opened) fail("cannot open the store");
    built->store = std::move(opened).value();
    const gateway::GeneratedApiKey key = gateway::generateApiKey();
    store::NewClient client;
    client.id = "fuzz-editor";
    client.name = "fuzz editor";
    client.role = store::ClientRole::kEditor;  // no rate limit
    if (!built->store->createClient(client, key.stored()).isOk()) fail("cannot create the client");
    built->bearer = "Bearer " + key.token;

    const gateway::GatewayConfig defaults;
    const common::Clock& clock = *built->clock;
    built->history = std::make_unique<gateway::StoreActivityHistory>(*built->store);
    built->rules = std::make_unique<rules::RuleEngine>(defaults.rules, clock, &*built->history);
    built->validator = std::make_unique<fhir::Validator>(fhir::makeFrCoreValidator());
    built->mapper = std::make_unique<mapping::FhirMapper>(*built->validator);
    built->auth = std::make_unique<gateway::Authenticator>(*built->store, std::string());
    built->limiter = std::make_unique<gateway::RateLimiter>(clock);
    built->gate = std::make_unique<gateway::AccessGate>(*built->auth, *built->limiter);
    built->router = std::make_unique<gateway::Router>(
        [gate = built->gate.get()](gateway::Exchange& ex, const gateway::RoutePolicy& policy) {
          return gate->admit(ex, policy);
        });
    built->api = std::make_unique<gateway::EditorApi>(gateway::EditorApi::Deps{
        *built->store, *built->rules, *built->mapper, clock, defaults.limits, {}, {}, {}});
    built->api->registerRoutes(*built->router);

    const std::string exampleText = testsupport::readFile(FHIRGW_FUZZ_EXAMPLE);
    if (exampleText.empty()) fail("cannot read the example teleconsultation");
    auto example = common::parseJson(exampleText);
    if (!example) fail("the example teleconsultation is not JSON");
    built->context = domain::parseTeleconsultation(*example).record;
    return built;
  }();
  return *g;
}

/// POST /api/v1/$validate with the bytes as body, answered by the real handler.
void postValidate(Gateway& g, std::string_view body) {
  MemoryResponse response;
  MemoryRequest request(body, response);
  request.setMethod("POST");
  request.setURI("/api/v1/$validate");
  request.setContentType("application/json");
  request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  request.set("Authorization", g.bearer);
  gateway::Exchange exchange(request, response, "fuzz");
  try {
    g.router->dispatch(exchange);
  } catch (const std::exception& e) {
    if (g.strict) {
      std::fprintf(stderr, "fuzz_body: handler exception %s: %s\n", typeid(e).name(), e.what());
      std::abort();
    }
    return;  // the listener answers 500
  }
  if (!exchange.responded()) fail("the handler did not answer");
  if (g.verbose) {
    std::fprintf(stderr, "fuzz_body: $validate answered %d: %.300s\n", exchange.responseStatus(),
                 response.body().c_str());
  }
  if (!g.strict) return;
  if (exchange.responseStatus() >= 500) {
    std::fprintf(stderr, "fuzz_body: answer %d: %s\n", exchange.responseStatus(),
                 response.body().c_str());
    std::abort();
  }
  if (!common::parseJson(response.body())) fail("the answer is not valid UTF-8 JSON");
}

/// The document path of POST .../documents, against the example teleconsultation.
void addDocument(Gateway& g, const common::JsonDocument& body) {
  domain::DocumentParse parsed = domain::parseDocument(body);
  if (parsed.malformed()) return;
  rules::RuleOutcome rules = g.rules->evaluateDocument(g.context, parsed.record);
  if (rules.hasErrors() || fhirgw::fhir::hasErrors(parsed.issues)) return;
  (void)domain::documentExternalId(parsed.record);
  (void)domain::documentKind(parsed.record);
  const mapping::MappingContext mapping{
      "fuzz-editor", "00000000-0000-4000-8000-000000000001", g.clock->now(), {}};
  fhirgw::fhir::IssueSink validationErrors;
  auto mapped =
      g.mapper->mapDocument(g.context, parsed.record, "00000000-0000-4000-8000-000000000002", 1,
                            mapping, validationErrors);
  if (!mapped && g.strict && mapped.error().code() == common::StatusCode::kInternal) {
    std::fprintf(stderr, "fuzz_body: document mapping bug: %s\n",
                 mapped.error().toString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)gatewayOnce();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Gateway& g = gatewayOnce();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  postValidate(g, body);

  const gateway::LimitsConfig limits;
  common::JsonLimits jsonLimits;
  jsonLimits.maxDepth = limits.maxJsonDepth;
  jsonLimits.maxStringBytes = limits.maxStringBytes;
  jsonLimits.maxArrayLength = limits.maxArrayLength;
  auto doc = common::parseJson(body, jsonLimits);
  if (!doc || !doc->root().IsObject()) return 0;
  (void)common::canonicalJson(*doc);  // the idempotency hash of every accepted body
  if (doc->root().HasMember("kind")) addDocument(g, *doc);
  return 0;
}
