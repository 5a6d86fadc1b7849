#include "fhirgw/gateway/exchange.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <istream>

#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/http_status.hpp"

namespace fhirgw::gateway {
namespace {

// Unread bodies up to this size are read and dropped so the connection can be kept alive;
// beyond it the connection is closed instead of spending time on a body nobody wants.
constexpr std::size_t kMaxDrainBytes = 1 << 20;

bool isSafeIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

std::string requestIdFor(const std::string& incoming) {
  if (!incoming.empty() && incoming.size() <= 64) {
    bool safe = true;
    for (char c : incoming) safe = safe && isSafeIdChar(c);
    if (safe) return incoming;
  }
  return common::newUuid();
}

Exchange::Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   std::string requestId)
    : request_(request), response_(response), requestId_(std::move(requestId)) {
  const std::string& uri = request_.getURI();
  const auto q = uri.find('?');
  path_ = uri.substr(0, q);
  if (q != std::string::npos) {
    try {
      Poco::URI parsed(uri);
      for (const auto& [k, v] : parsed.getQueryParameters()) query_[k] = v;
    } catch (const Poco::Exception&) {
      // A malformed query is ignored here; handlers that need it validate what they read.
    }
  }
}

std::string Exchange::header(const std::string& name) const { return request_.get(name, ""); }

std::string Exchange::param(const std::string& name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string() : it->second;
}

common::Result<std::string> Exchange::readBody(std::size_t maxBytes) {
  bodyRead_ = true;
  const auto declared = request_.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      static_cast<std::uint64_t>(declared) > maxBytes) {
    bodyRead_ = false;  // left unread: the error answer decides whether to drain or close
    return common::resourceExhausted("request body larger than " + std::to_string(maxBytes) +
                                     " bytes");
  }
  std::string body;
  std::istream& in = request_.stream();
  char buf[16384];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    body.append(buf, static_cast<std::size_t>(in.gcount()));
    if (body.size() > maxBytes) {
      response_.setKeepAlive(false);  // the rest of a chunked body stays unread
      return common::resourceExhausted("request body larger than " + std::to_string(maxBytes) +
                                       " bytes");
    }
  }
  return body;
}

void Exchange::setHeader(const std::string& name, const std::string& value) {
  response_.set(name, value);
}

void Exchange::drainUnreadBody() {
  if (bodyRead_) return;
  bodyRead_ = true;
  const auto declared = request_.getContentLength64();
  if (declared == 0) return;
  if (declared == Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      !request_.getChunkedTransferEncoding()) {
    return;  // no body
  }
  if (declared < 0 || static_cast<std::uint64_t>(declared) > kMaxDrainBytes) {
    response_.setKeepAlive(false);
    return;
  }
  try {
    std::istream& in = request_.stream();
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    }
  } catch (const Poco::Exception&) {
    response_.setKeepAlive(false);
  }
}

void Exchange::send(int status, std::string_view contentType, std::string_view body) {
  if (responded_) {
    common::Log::error("gateway.response-already-sent",
                       {{"requestId", requestId_}, {"status", status}});
    return;
  }
  drainUnreadBody();
  responded_ = true;
  responseStatus_ = status;
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.set("X-Request-ID", requestId_);
  if (!body.empty()) response_.setContentType(std::string(contentType));
  response_.sendBuffer(body.data(), body.size());
}

void Exchange::sendJson(int status, const rapidjson::Value& value, std::string_view contentType) {
  send(status, contentType, common::toJsonString(value));
}

void Exchange::sendOutcome(int status, const std::vector<fhir::Issue>& issues) {
  sendJson(status, fhir::operationOutcome(issues), kFhirJson);
}

void Exchange::sendStatus(const common::Status& status) {
  fhir::Issue issue;
  issue.severity = fhir::IssueSeverity::kError;
  issue.code = std::string(issueTypeFor(status.code()));
  issue.diagnostics = status.message();
  sendOutcome(httpStatusFor(status.code()), {issue});
}

void Exchange::sendError(int status, std::string_view issueType, std::string diagnostics,
                         std::string expression) {
  send(status, kFhirJson,
       errorOutcomeJson(issueType, std::move(diagnostics), std::move(expression)));
}

std::string errorOutcomeJson(std::string_view issueType, std::string diagnostics,
                             std::string expression) {
  fhir::Issue issue;
  issue.severity = fhir::IssueSeverity::kError;
  issue.code = std::string(issueType);
  issue.diagnostics = std::move(diagnostics);
  issue.expression = std::move(expression);
  return common::toJsonString(fhir::operationOutcome({issue}));
}

std::string closingErrorResponse(int status, std::string_view issueType, std::string diagnostics,
                                 const std::string& requestId, int retryAfterSeconds) {
  const std::string body = errorOutcomeJson(issueType, std::move(diagnostics));
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    Poco::Net::HTTPResponse::getReasonForStatus(
                        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)) +
                    "\r\n";
  out += "Content-Type: ";
  out += kFhirJson;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += "X-Request-ID: " + requestId + "\r\n";
  if (retryAfterSeconds > 0) out += "Retry-After: " + std::to_string(retryAfterSeconds) + "\r\n";
  out += "Connection: close\r\nServer: fhir-gateway\r\n\r\n";
  out += body;
  return out;
}

}  // namespace fhirgw::gateway
