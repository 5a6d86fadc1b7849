#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"

namespace fhirgw::gateway {

/// Content types the gateway answers with.
inline constexpr std::string_view kFhirJson = "application/fhir+json";
inline constexpr std::string_view kJson = "application/json";

/// One request and its answer, as handlers see them: our own small interface over Poco so
/// handlers never write a response twice, always echo the request id, and drain unread bodies.
class Exchange {
 public:
  Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
           std::string requestId);

  const std::string& method() const { return request_.getMethod(); }
  /// Path without the query string, percent-decoding left to the router.
  const std::string& path() const { return path_; }
  /// The decoded query parameters (last value wins).
  const std::map<std::string, std::string>& query() const { return query_; }
  const std::string& requestId() const { return requestId_; }
  /// When the request's handling began (its latency, for metrics).
  std::chrono::steady_clock::time_point startedAt() const { return startedAt_; }
  /// The client's IP address (the TCP peer; no proxy header is trusted).
  std::string peer() const { return request_.clientAddress().host().toString(); }
  /// A request header, or "" when absent.
  std::string header(const std::string& name) const;
  /// A path parameter captured by the router ("{id}"), or "" when absent.
  std::string param(const std::string& name) const;

  /// Reads the whole body; kResourceExhausted when it exceeds maxBytes (answer 413).
  common::Result<std::string> readBody(std::size_t maxBytes);

  /// Sets a response header (before sending).
  void setHeader(const std::string& name, const std::string& value);
  /// Sends a complete answer. A second send is ignored (and logged).
  void send(int status, std::string_view contentType, std::string_view body);
  /// Sends a JSON value.
  void sendJson(int status, const rapidjson::Value& value, std::string_view contentType = kJson);
  /// Sends an OperationOutcome of the issues with the given HTTP status.
  void sendOutcome(int status, const std::vector<fhir::Issue>& issues);
  /// Sends a process failure as an OperationOutcome, with the HTTP status from the table.
  void sendStatus(const common::Status& status);
  /// Sends one error issue with an explicit HTTP status (413, 415, 405 ...).
  void sendError(int status, std::string_view issueType, std::string diagnostics,
                 std::string expression = {});

  bool responded() const { return responded_; }
  int responseStatus() const { return responseStatus_; }

  // Filled by the router and authentication, read by the access log.
  void setRoute(std::string route) { route_ = std::move(route); }
  const std::string& route() const { return route_; }
  void setParams(std::map<std::string, std::string> params) { params_ = std::move(params); }
  void setClientId(std::string clientId) { clientId_ = std::move(clientId); }
  const std::string& clientId() const { return clientId_; }
  /// What the request acted on, for the audit trail (a record or client id).
  void setTarget(std::string target) { target_ = std::move(target); }
  const std::string& target() const { return target_; }
  /// The request's audit entry is already stored, in the transaction of what the request stored
  /// (an accepted submission): the audit hook writes none.
  void setAudited() { audited_ = true; }
  bool audited() const { return audited_; }

  Poco::Net::HTTPServerRequest& request() { return request_; }

 private:
  void drainUnreadBody();

  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  std::string requestId_;
  std::chrono::steady_clock::time_point startedAt_ = std::chrono::steady_clock::now();
  std::string path_;
  std::map<std::string, std::string> query_;
  std::map<std::string, std::string> params_;
  std::string route_;
  std::string clientId_;
  std::string target_;
  bool bodyRead_ = false;
  bool responded_ = false;
  bool audited_ = false;
  int responseStatus_ = 0;
};

/// The OperationOutcome of one error issue as JSON text: the one error shape of the gateway.
std::string errorOutcomeJson(std::string_view issueType, std::string diagnostics,
                             std::string expression = {});

/// A complete HTTP/1.1 error answer with that OperationOutcome, X-Request-ID and
/// `Connection: close` (plus `Retry-After` when retryAfterSeconds > 0), for the connection
/// front, which answers before any request object exists.
std::string closingErrorResponse(int status, std::string_view issueType, std::string diagnostics,
                                 const std::string& requestId, int retryAfterSeconds = 0);

/// Keeps a caller's X-Request-ID when it is a safe token (1-64 of [A-Za-z0-9._:-]), otherwise
/// makes a new one.
std::string requestIdFor(const std::string& incoming);

}  // namespace fhirgw::gateway
