// The HTTP ceiling of this machine for the ingest benchmark (scripts/bench.sh, issue 15): a
// server that drains each request body and answers a fixed 201, with the settings of the
// gateway's API listener in the demo configuration (plain HTTP, keep-alive, 16 worker threads,
// 64 requests queued at most, 15 s idle keep-alive, 30 s receive timeout).
//
//   ceiling_server [--front poco|gateway] [--port N] [--threads N] [--queued N]
//
// --front poco (the default): Poco's HTTPServer, a thread per connection being served. It is the
// ceiling the gateway is measured against (issue 15's "no-op Poco server").
// --front gateway: the gateway's own listener (gateway::Listener: its epoll connection front,
// router, request ids and access-log line at info on standard error), one open route: what the
// gateway's HTTP layer costs before any handler work.
//
// Prints "port N" on standard output once listening; stops on SIGTERM or SIGINT.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/exchange.hpp"
#include "fhirgw/gateway/listener.hpp"
#include "fhirgw/gateway/router.hpp"

namespace {

constexpr std::string_view kAnswer = R"({"status":"accepted"})";
constexpr const char* kLocation = "/api/v1/teleconsultations/ceiling";

/// Reads the body to its end and answers the fixed 201.
class AcceptHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    Poco::NullOutputStream drained;
    Poco::StreamCopier::copyStream(request.stream(), drained);
    response.setStatus(Poco::Net::HTTPResponse::HTTP_CREATED);
    response.setContentType("application/json");
    response.set("Location", kLocation);
    response.setContentLength(static_cast<std::streamsize>(kAnswer.size()));
    response.send().write(kAnswer.data(), static_cast<std::streamsize>(kAnswer.size()));
  }
};

class AcceptFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& /*request*/) override {
    return new AcceptHandler;  // Poco owns it
  }
};

/// Blocks until SIGTERM or SIGINT (both blocked in every thread before any is started).
void waitForTermination(const sigset_t& set) {
  int signal = 0;
  sigwait(&set, &signal);
}

int usage() {
  std::fprintf(stderr,
               "usage: ceiling_server [--front poco|gateway] [--port N] [--threads N] "
               "[--queued N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string front = "poco";
  int port = 0;
  int threads = 16;  // server.maxThreads default
  int queued = 64;   // server.maxQueued default
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--front") {
      front = argv[++i];
    } else if (arg == "--port") {
      port = std::atoi(argv[++i]);
    } else if (arg == "--threads") {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--queued") {
      queued = std::atoi(argv[++i]);
    } else {
      return usage();
    }
  }
  if ((front != "poco" && front != "gateway") || port < 0 || port > 65535 || threads < 1 ||
      queued < 1) {
    return usage();
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (front == "gateway") {
    namespace gateway = fhirgw::gateway;
    gateway::Router router;
    router.add("POST", "/api/v1/teleconsultations", gateway::RoutePolicy::open(),
               [](gateway::Exchange& exchange) {
                 auto body = exchange.readBody(std::size_t{10} * 1024 * 1024);
                 exchange.setHeader("Location", kLocation);
                 exchange.send(body ? 201 : 413, "application/json", kAnswer);
               });
    gateway::ListenerConfig config =
        gateway::listenerOn("127.0.0.1", static_cast<std::uint16_t>(port), threads);
    config.maxQueued = queued;
    gateway::Listener listener("api", config, router);
    if (auto s = listener.start(); !s.isOk()) {
      std::fprintf(stderr, "ceiling_server: %s\n", s.toString().c_str());
      return 1;
    }
    std::printf("port %u\n", static_cast<unsigned>(listener.port()));
    std::fflush(stdout);
    waitForTermination(set);
    listener.stop(std::chrono::milliseconds(1000));
    return 0;
  }

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(queued);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(15, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setServerName("ceiling");
  Poco::ThreadPool pool(1, threads);
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), true);
  socket.listen(1024);
  Poco::Net::HTTPServer server(new AcceptFactory, pool, socket, params);
  server.start();
  std::printf("port %u\n", static_cast<unsigned>(socket.address().port()));
  std::fflush(stdout);
  waitForTermination(set);
  server.stopAll(true);
  return 0;
}
