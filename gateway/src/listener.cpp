#include "fhirgw/gateway/listener.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <typeinfo>

#include "connection_front.hpp"
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
    Log::debug("gateway.request-received", {{"listener", listener_},
                                            {"requestId", exchange.requestId()},
                                            {"method", exchange.method()}});
    try {
      router_.dispatch(exchange);
    } catch (const std::exception& e) {
      // Only the exception type is logged: a message could quote request content.
      Log::error("gateway.handler-exception", {{"requestId", exchange.requestId()},
                                               {"route", exchange.route()},
                                               {"exception", typeid(e).name()}});
    } catch (...) {
      Log::error("gateway.handler-exception",
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
    Log::info("gateway.request", {{"listener", listener_},
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
        Log::error("gateway.completion-hook-failed", {{"requestId", exchange.requestId()}});
      }
    }
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
                   CompletionHook onComplete, RefusalHook onRefused)
    : name_(std::move(name)),
      config_(std::move(config)),
      router_(router),
      onComplete_(std::move(onComplete)),
      onRefused_(std::move(onRefused)) {}

Listener::~Listener() {
  if (front_) stop(std::chrono::milliseconds(0));
}

std::size_t Listener::openConnections() const { return front_ ? front_->openConnections() : 0; }

common::Status Listener::start() {
  FrontConfig front;
  front.name = name_;
  front.head.maxRequestLineBytes = config_.maxRequestLineBytes;
  front.head.maxHeaderBytes = config_.maxHeaderBytes;
  front.head.maxHeaderCount = config_.maxHeaderCount;
  front.headerTimeout = config_.headerTimeout;
  front.bodyTimeout = config_.bodyTimeout;
  front.keepAliveTimeout = config_.keepAliveTimeout;
  front.receiveTimeout = config_.receiveTimeout;
  front.maxConnections = static_cast<std::size_t>(config_.maxConnections);
  front.maxConnectionsPerPeer = static_cast<std::size_t>(config_.maxConnectionsPerPeer);
  front.maxQueued = static_cast<std::size_t>(config_.maxQueued);
  front.workers = config_.maxThreads;
  if (config_.tls) {
    try {
      front.tls = makeServerContext(*config_.tls);
    } catch (const Poco::Exception& e) {
      return common::invalidArgument(name_ + " TLS: " + e.displayText());
    }
  }
  try {
    Poco::Net::SocketAddress address(config_.host, config_.port);
    // A plain socket even for TLS: the front does the handshake on accepted connections.
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second gateway on the same port
    // must fail to start rather than silently share the traffic.
    socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(1024);
    port_ = socket.address().port();
    auto handler = [this](Poco::Net::HTTPServerRequest& request,
                          Poco::Net::HTTPServerResponse& response) {
      RoutingHandler(router_, name_, onComplete_).handleRequest(request, response);
    };
    auto refused = [this](const FrontRefusal& r) {
      if (onRefused_) onRefused_(ListenerRefusal{name_, r.peer, r.requestId, r.status, r.reason});
    };
    front_ = std::make_unique<ConnectionFront>(std::move(front), socket, handler, refused);
    front_->start();
  } catch (const Poco::Exception& e) {
    front_.reset();
    return common::unavailable(name_ + " listener on " + config_.host + ":" +
                               std::to_string(config_.port) + ": " + e.displayText());
  }
  Log::info("gateway.listening",
            {{"listener", name_},
             {"host", config_.host},
             {"port", static_cast<int>(port_)},
             {"tls", tls()},
             {"clientCertificate", tls() && config_.tls->requireClientCertificate},
             {"maxConnections", config_.maxConnections},
             {"maxConnectionsPerPeer", config_.maxConnectionsPerPeer}});
  return common::Status::ok();
}

bool Listener::stop(std::chrono::milliseconds grace) {
  if (!front_) return true;
  const bool drained = front_->stop(grace);
  front_.reset();
  Log::info("gateway.stopped", {{"listener", name_}, {"drained", drained}});
  return drained;
}

}  // namespace fhirgw::gateway
