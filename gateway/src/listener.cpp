#include "fhirgw/gateway/listener.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <thread>
#include <typeinfo>

#include "fhirgw/common/log.hpp"

namespace fhirgw::gateway {
namespace {

using common::Log;

// TLS 1.2 suites with forward secrecy and AEAD only; TLS 1.3 suites are OpenSSL's defaults.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// Wraps every request: request id, routing, catch-all, access log.
class RoutingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RoutingHandler(const Router& router, const std::string& listener,
                 const Listener::CompletionHook& onComplete)
      : router_(router), listener_(listener), onComplete_(onComplete) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    Exchange exchange(request, response, requestIdFor(request.get("X-Request-ID", "")));
    Log::debug("request-received", {{"listener", listener_},
                                    {"requestId", exchange.requestId()},
                                    {"method", exchange.method()}});
    try {
      router_.dispatch(exchange);
    } catch (const std::exception& e) {
      // Only the exception type is logged: a message could quote request content.
      Log::error("handler-exception", {{"requestId", exchange.requestId()},
                                       {"route", exchange.route()},
                                       {"exception", typeid(e).name()}});
    } catch (...) {
      Log::error("handler-exception",
                 {{"requestId", exchange.requestId()}, {"route", exchange.route()}});
    }
    if (!exchange.responded()) {
      try {
        exchange.sendError(
            500, "exception",
            "internal error; see the gateway log for request id " + exchange.requestId());
      } catch (...) {
        // The connection is gone; nothing more can be told to the client.
      }
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    Log::info("request", {{"listener", listener_},
                          {"requestId", exchange.requestId()},
                          {"method", exchange.method()},
                          {"route", exchange.route()},
                          {"status", exchange.responseStatus()},
                          {"clientId", exchange.clientId()},
                          {"durationUs", static_cast<std::int64_t>(micros)}});
    if (onComplete_) {
      try {
        onComplete_(exchange);
      } catch (...) {
        Log::error("completion-hook-failed", {{"requestId", exchange.requestId()}});
      }
    }
  }

 private:
  const Router& router_;
  const std::string& listener_;
  const Listener::CompletionHook& onComplete_;
};

/// Never returns a null handler: Poco would answer 501 to that.
class RoutingHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RoutingHandlerFactory(const Router& router, const std::string& listener,
                        const Listener::CompletionHook& onComplete)
      : router_(router), listener_(listener), onComplete_(onComplete) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RoutingHandler(router_, listener_, onComplete_);
  }

 private:
  const Router& router_;
  const std::string& listener_;
  const Listener::CompletionHook& onComplete_;
};

Poco::Net::Context::Ptr makeServerContext(const TlsConfig& tls) {
  Poco::Net::Context::Params params;
  params.certificateFile = tls.certificateFile;
  params.privateKeyFile = tls.privateKeyFile;
  params.caLocation = tls.caFile;
  params.loadDefaultCAs = false;
  params.verificationMode = tls.requireClientCertificate ? Poco::Net::Context::VERIFY_STRICT
                                                         : Poco::Net::Context::VERIFY_NONE;
  params.verificationDepth = 9;
  params.cipherList = kCipherList;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  // Poco's "extended verification" matches the peer certificate against the peer's host name;
  // right for a client checking a server, meaningless for a server checking a client (whose
  // address is not in its certificate). The chain is still verified by OpenSSL (VERIFY_STRICT).
  ctx->enableExtendedCertificateVerification(false);
  return ctx;
}

}  // namespace

Listener::Listener(std::string name, ListenerConfig config, const Router& router,
                   CompletionHook onComplete)
    : name_(std::move(name)),
      config_(std::move(config)),
      router_(router),
      onComplete_(std::move(onComplete)) {}

Listener::~Listener() {
  if (server_) stop(std::chrono::milliseconds(0));
}

common::Status Listener::start() {
  try {
    Poco::Net::SocketAddress address(config_.host, config_.port);
    Poco::Net::ServerSocket socket;
    if (config_.tls) {
      Poco::Net::Context::Ptr ctx;
      try {
        ctx = makeServerContext(*config_.tls);
      } catch (const Poco::Exception& e) {
        return common::invalidArgument(name_ + " TLS: " + e.displayText());
      }
      socket = Poco::Net::SecureServerSocket(ctx);
    }
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second gateway on the same port
    // must fail to start rather than silently share the traffic.
    socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(128);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config_.maxThreads);
    params->setMaxQueued(config_.maxQueued);
    params->setTimeout(Poco::Timespan(config_.receiveTimeout.count() * 1000));
    params->setKeepAlive(true);
    params->setServerName("fhir-gateway");
    server_ = std::make_unique<Poco::Net::HTTPServer>(
        new RoutingHandlerFactory(router_, name_, onComplete_), socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    return common::unavailable(name_ + " listener on " + config_.host + ":" +
                               std::to_string(config_.port) + ": " + e.displayText());
  }
  Log::info("listening", {{"listener", name_},
                          {"host", config_.host},
                          {"port", static_cast<int>(port_)},
                          {"tls", tls()},
                          {"clientCertificate", tls() && config_.tls->requireClientCertificate}});
  return common::Status::ok();
}

bool Listener::stop(std::chrono::milliseconds grace) {
  if (!server_) return true;
  // Stop accepting and tell connections to close after their current request.
  server_->stopAll(false);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool drained = server_->currentConnections() == 0;
  if (!drained) server_->stopAll(true);
  server_.reset();
  Log::info("stopped", {{"listener", name_}, {"drained", drained}});
  return drained;
}

}  // namespace fhirgw::gateway
