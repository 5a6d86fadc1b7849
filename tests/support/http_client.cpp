#include "fhirgw/testsupport/http_client.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <strings.h>

#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::testsupport {

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return {};
}

HttpResponse httpRequest(Poco::Net::HTTPClientSession& session, const std::string& method,
                         const std::string& path, const std::string& body,
                         const std::map<std::string, std::string>& headers,
                         const std::string& contentType) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.setContentType(contentType);
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResponse result;
  result.status = static_cast<int>(response.getStatus());
  result.reason = response.getReason();
  Poco::StreamCopier::copyToString(in, result.body);
  for (const auto& [k, v] : response) result.headers[k] = v;
  return result;
}

Poco::Net::Context::Ptr clientContext(const std::string& clientCert) {
  Poco::Net::Context::Params params;
  const auto pki = testPkiDir();
  params.caLocation = (pki / "ca.pem").string();
  params.loadDefaultCAs = false;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  if (!clientCert.empty()) {
    params.certificateFile = (pki / (clientCert + ".pem")).string();
    params.privateKeyFile = (pki / (clientCert + ".key")).string();
  }
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  return ctx;
}

}  // namespace fhirgw::testsupport
