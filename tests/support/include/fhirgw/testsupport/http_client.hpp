#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <map>
#include <string>

namespace fhirgw::testsupport {

/// A complete HTTP answer.
struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string body;
  std::map<std::string, std::string> headers;
  /// The value of a header, names compared without case; "" when absent.
  std::string header(const std::string& name) const;
};

/// Sends one request on the session and reads the whole answer. A body (or a POST or PUT) gets
/// contentType and its length.
HttpResponse httpRequest(Poco::Net::HTTPClientSession& session, const std::string& method,
                         const std::string& path, const std::string& body = {},
                         const std::map<std::string, std::string>& headers = {},
                         const std::string& contentType = "application/json");

/// A strict TLS client context trusting only the test CA (testPkiDir()), optionally with a
/// client certificate ("client" or "rogue-client").
Poco::Net::Context::Ptr clientContext(const std::string& clientCert = {});

}  // namespace fhirgw::testsupport
