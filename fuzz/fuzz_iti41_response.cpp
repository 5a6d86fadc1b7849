// libFuzzer target: an ITI-41 answer as the DMP's repository could send it ->
// xds::parseIti41Response, then classifyIti41Response. The input is the Content-Type header up
// to the first LF, then the body. Checked against the contract:
// - an accepted answer is a fault (no errors) or a status; an accepted multipart was declared so;
// - the classification's reason holds only the fixed words and sanitised codes (never a peer's
//   free text: codeContext, location and the fault reason may name the patient).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/xds/registry_response.hpp"

namespace {

namespace xds = fhirgw::xds;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_iti41_response: %s\n", what);
  std::abort();
}

bool reasonCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.' || c == '_' || c == '-' || c == ',' || c == ' ' || c == '/' || c == '?' ||
         c == '(' || c == ')';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t lf = input.find('\n');
  const std::string_view contentType = lf == std::string_view::npos ? input : input.substr(0, lf);
  const std::string_view body =
      lf == std::string_view::npos ? std::string_view() : input.substr(lf + 1);

  auto response = xds::parseIti41Response(contentType, body);
  if (!response) {
    if (response.error().code() != fhirgw::common::StatusCode::kInvalidArgument) {
      fail("a refusal that is not invalid-argument");
    }
    return 0;
  }
  if (response->fault && !response->errors.empty()) fail("a fault with registry errors");
  const std::vector<std::string> ours = {"2.25.1234567890123456789012", "1.2.250.1.999.7"};
  const xds::Iti41Classification c = xds::classifyIti41Response(*response, ours);
  if (c.reason.empty()) fail("a classification without a reason");
  for (char ch : c.reason) {
    if (!reasonCharacter(ch)) fail("a reason with a character a code cannot hold");
  }
  if (xds::iti41OutcomeName(c.outcome).empty()) fail("an outcome without a name");
  if (response->fault && (c.outcome == xds::Iti41Outcome::kDelivered ||
                          c.outcome == xds::Iti41Outcome::kDeliveredWithWarnings ||
                          c.outcome == xds::Iti41Outcome::kAlreadyRegistered)) {
    fail("a SOAP fault taken as delivered");
  }
  if (response->status == xds::RegistryStatus::kFailure && !response->fault &&
      c.outcome == xds::Iti41Outcome::kDelivered) {
    fail("a Failure taken as delivered");
  }
  return 0;
}
