// The local HTTPS peer of the delivery benchmark (scripts/bench.sh, issue 15): it drains every
// POST (the fhir-rest connector's transaction Bundles) and answers 200 with a small
// transaction-response, with keep-alive, so that the gateway's connection reuse is what is
// measured. TLS with the certificate given (a test CA made at run time; the gateway verifies it).
//
//   https_sink --cert server.pem --key server.key [--port N] [--threads N]
//
// GET /stats answers {"requests", "bytes", "connections", "firstSeconds", "lastSeconds"}: POSTs
// answered, body bytes drained, TCP connections accepted, and the time of the first and last
// POST in seconds since the sink started. Prints "port N" on standard output once listening;
// stops on SIGTERM or SIGINT.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <pthread.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <string>
#include <string_view>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kAnswer =
    R"({"resourceType":"Bundle","type":"transaction-response","entry":[]})";

struct Counters {
  Clock::time_point started = Clock::now();
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::int64_t> firstNs{-1};
  std::atomic<std::int64_t> lastNs{-1};
};

class SinkHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  SinkHandler(Counters& counters, const Poco::Net::HTTPServer* const& server)
      : counters_(counters), server_(server) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::array<char, 16384> buffer{};
    std::uint64_t bytes = 0;
    std::istream& in = request.stream();
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
      bytes += static_cast<std::uint64_t>(in.gcount());
    }
    std::string body;
    if (request.getMethod() == "GET" && request.getURI() == "/stats") {
      body = stats();
    } else {
      body = kAnswer;
      const std::int64_t now = (Clock::now() - counters_.started).count();
      std::int64_t unset = -1;
      counters_.firstNs.compare_exchange_strong(unset, now);
      std::int64_t last = counters_.lastNs.load();
      while (last < now && !counters_.lastNs.compare_exchange_weak(last, now)) {
      }
      counters_.bytes += bytes;
      ++counters_.requests;
    }
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType(request.getMethod() == "GET" ? "application/json"
                                                         : "application/fhir+json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
  }

 private:
  std::string stats() const {
    const auto seconds = [](std::int64_t ns) {
      return ns < 0 ? -1.0 : std::chrono::duration<double>(Clock::duration(ns)).count();
    };
    const int connections = server_ != nullptr ? server_->totalConnections() : 0;
    std::array<char, 256> text{};
    std::snprintf(text.data(), text.size(),
                  R"({"requests":%llu,"bytes":%llu,"connections":%d,"firstSeconds":%.6f,)"
                  R"("lastSeconds":%.6f})",
                  static_cast<unsigned long long>(counters_.requests.load()),
                  static_cast<unsigned long long>(counters_.bytes.load()), connections,
                  seconds(counters_.firstNs.load()), seconds(counters_.lastNs.load()));
    return text.data();
  }

  Counters& counters_;
  const Poco::Net::HTTPServer* const& server_;
};

class SinkFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  SinkFactory(Counters& counters, const Poco::Net::HTTPServer* const& server)
      : counters_(counters), server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& /*request*/) override {
    return new SinkHandler(counters_, server_);  // Poco owns it
  }

 private:
  Counters& counters_;
  const Poco::Net::HTTPServer* const& server_;
};

int usage() {
  std::fprintf(stderr, "usage: https_sink --cert PEM --key PEM [--port N] [--threads N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cert;
  std::string key;
  int port = 0;
  int threads = 16;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--cert") {
      cert = argv[++i];
    } else if (arg == "--key") {
      key = argv[++i];
    } else if (arg == "--port") {
      port = std::atoi(argv[++i]);
    } else if (arg == "--threads") {
      threads = std::atoi(argv[++i]);
    } else {
      return usage();
    }
  }
  if (cert.empty() || key.empty() || port < 0 || port > 65535 || threads < 1) return usage();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  Poco::Net::initializeSSL();
  int rc = 0;
  try {
    Poco::Net::Context::Params tls;
    tls.certificateFile = cert;
    tls.privateKeyFile = key;
    tls.loadDefaultCAs = false;
    tls.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificate asked
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    Poco::Net::SecureServerSocket socket(context);
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), true);
    socket.listen(256);
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(60, 0));
    params->setMaxKeepAliveRequests(0);  // unlimited: the client decides when to close
    Counters counters;
    const Poco::Net::HTTPServer* serverView = nullptr;
    Poco::ThreadPool pool(1, threads + 1);
    Poco::Net::HTTPServer server(new SinkFactory(counters, serverView), pool, socket, params);
    serverView = &server;
    server.start();
    std::printf("port %u\n", static_cast<unsigned>(socket.address().port()));
    std::fflush(stdout);
    int signal = 0;
    sigwait(&set, &signal);
    server.stopAll(true);
  } catch (const Poco::Exception& e) {
    std::fprintf(stderr, "https_sink: %s\n", e.displayText().c_str());
    rc = 1;
  }
  Poco::Net::uninitializeSSL();
  return rc;
}
