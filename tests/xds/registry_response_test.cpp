#include "fhirgw/xds/registry_response.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sample_submission.hpp"

namespace fhirgw::xds {
namespace {

const char* const kSoap = "application/soap+xml; charset=UTF-8";

std::string envelope(const std::string& body, const std::string& header = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
         "xmlns:a=\"http://www.w3.org/2005/08/addressing\">"
         "<s:Header>" +
         header + "</s:Header><s:Body>" + body + "</s:Body></s:Envelope>";
}

const char* const kResponseHeader =
    "<a:Action s:mustUnderstand=\"1\">urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"
    "</a:Action><a:RelatesTo>urn:uuid:6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11</a:RelatesTo>";

std::string registryResponse(const std::string& status, const std::string& errors = "") {
  return "<rs:RegistryResponse xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\" "
         "status=\"" +
         status + "\">" + errors + "</rs:RegistryResponse>";
}

std::string error(const std::string& code, const std::string& context,
                  const std::string& severity = "Error", const std::string& location = "") {
  return "<rs:RegistryError errorCode=\"" + code + "\" codeContext=\"" + context +
         "\" severity=\"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:" + severity + "\"" +
         (location.empty() ? "" : " location=\"" + location + "\"") + "/>";
}

std::string errorList(const std::string& errors) {
  return "<rs:RegistryErrorList highestSeverity=\"urn:oasis:names:tc:ebxml-regrep:"
         "ErrorSeverityType:Error\">" +
         errors + "</rs:RegistryErrorList>";
}

const char* const kSuccess = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success";
const char* const kFailure = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure";
const char* const kPartial = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess";

Iti41Response parsed(const std::string& contentType, const std::string& body) {
  auto r = parseIti41Response(contentType, body);
  EXPECT_TRUE(r.hasValue()) << r.status().toString();
  return r.hasValue() ? *r : Iti41Response{};
}

common::StatusCode refusal(const std::string& contentType, std::string_view body) {
  auto r = parseIti41Response(contentType, body);
  return r.hasValue() ? common::StatusCode::kOk : r.error().code();
}

TEST(Iti41Response, SuccessIsReadWithItsAddressing) {
  const Iti41Response r = parsed(kSoap, envelope(registryResponse(kSuccess), kResponseHeader));
  EXPECT_FALSE(r.fault.has_value());
  EXPECT_EQ(r.status, RegistryStatus::kSuccess);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.action, "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse");
  EXPECT_EQ(r.relatesTo, "urn:uuid:6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11");
  EXPECT_EQ(classifyIti41Response(r, {}).outcome, Iti41Outcome::kDelivered);
}

TEST(Iti41Response, FailureListsEachRegistryError) {
  const Iti41Response r = parsed(
      kSoap, envelope(registryResponse(
                 kFailure, errorList(error("XDSRegistryMetadataError", "classCode 99 unknown",
                                           "Error", "Document01") +
                                     error("XDSPatientIdDoesNotMatch", "patient mismatch")))));
  EXPECT_EQ(r.status, RegistryStatus::kFailure);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].errorCode, "XDSRegistryMetadataError");
  EXPECT_EQ(r.errors[0].codeContext, "classCode 99 unknown");
  EXPECT_EQ(r.errors[0].location, "Document01");
  EXPECT_EQ(r.errors[0].severity, ErrorSeverity::kError);
  EXPECT_EQ(r.errors[1].errorCode, "XDSPatientIdDoesNotMatch");
  EXPECT_EQ(r.errors[1].location, "");
  EXPECT_TRUE(r.action.empty());
  const Iti41Classification c = classifyIti41Response(r, {});
  EXPECT_EQ(c.outcome, Iti41Outcome::kPermanent);
  EXPECT_EQ(c.reason, "Failure: XDSRegistryMetadataError,XDSPatientIdDoesNotMatch");
}

TEST(Iti41Response, PartialSuccessIsDeliveredWithItsWarnings) {
  const Iti41Response r = parsed(
      kSoap, envelope(registryResponse(
                 kPartial, errorList(error("XDSExtraMetadataNotSaved", "slot x", "Warning")))));
  EXPECT_EQ(r.status, RegistryStatus::kPartialSuccess);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].severity, ErrorSeverity::kWarning);
  const Iti41Classification c = classifyIti41Response(r, {});
  EXPECT_EQ(c.outcome, Iti41Outcome::kDeliveredWithWarnings);
  EXPECT_EQ(c.reason, "PartialSuccess: XDSExtraMetadataNotSaved");
}

TEST(Iti41Response, SoapFaultIsReadWithCodeSubcodeAndReason) {
  const std::string fault =
      "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value "
      "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0."
      "xsd\">wsse:InvalidSecurity</s:Value></s:Subcode></s:Code><s:Reason><s:Text "
      "xml:lang=\"fr\">VIHF invalide</s:Text></s:Reason></s:Fault>";
  const Iti41Response r = parsed(kSoap, envelope(fault));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->code, "Sender");
  EXPECT_EQ(r.fault->subcodes, std::vector<std::string>{"wsse:InvalidSecurity"});
  EXPECT_EQ(r.fault->reason, "VIHF invalide");
  const Iti41Classification c = classifyIti41Response(r, {});
  EXPECT_EQ(c.outcome, Iti41Outcome::kPermanent);
  EXPECT_EQ(c.reason, "SOAP fault Sender/wsse:InvalidSecurity");
  EXPECT_EQ(c.reason.find("VIHF invalide"), std::string::npos) << "no peer text in the reason";
}

TEST(Iti41Response, FaultCodeIsResolvedByItsNamespaceNotItsPrefix) {
  const std::string receiver =
      "<env:Fault xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Code><env:Value>"
      "env:Receiver</env:Value></env:Code><env:Reason><env:Text>busy</env:Text></env:Reason>"
      "</env:Fault>";
  const Iti41Response r = parsed(kSoap, envelope(receiver));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->code, "Receiver");
  EXPECT_EQ(classifyIti41Response(r, {}).outcome, Iti41Outcome::kTransient);
  // "Receiver" under another namespace is not SOAP's.
  const std::string other =
      "<s:Fault><s:Code><s:Value xmlns:x=\"urn:other\">x:Receiver</s:Value></s:Code></s:Fault>";
  const Iti41Response o = parsed(kSoap, envelope(other));
  ASSERT_TRUE(o.fault.has_value());
  EXPECT_EQ(o.fault->code, "x:Receiver");
  EXPECT_EQ(classifyIti41Response(o, {}).outcome, Iti41Outcome::kUnknown);
}

TEST(Iti41Response, MtomWrappedAnswerIsReadFromItsRootPart) {
  const std::string soap = envelope(registryResponse(kSuccess), kResponseHeader);
  const std::string body =
      "--uuid:b1\r\nContent-Type: application/octet-stream\r\nContent-ID: <other@peer>\r\n\r\n"
      "not xml\r\n"
      "--uuid:b1\r\nContent-Type: application/xop+xml; charset=UTF-8; "
      "type=\"application/soap+xml\"\r\nContent-Transfer-Encoding: binary\r\n"
      "Content-ID: <root.message@peer>\r\n\r\n" +
      soap + "\r\n--uuid:b1--\r\n";
  const std::string contentType =
      "multipart/related; type=\"application/xop+xml\"; boundary=\"uuid:b1\"; "
      "start=\"<root.message@peer>\"; start-info=\"application/soap+xml\"";
  const Iti41Response r = parsed(contentType, body);
  EXPECT_EQ(r.status, RegistryStatus::kSuccess);
  EXPECT_EQ(r.relatesTo, "urn:uuid:6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11");
  // Without start, the first part is the root: here not XML, so refused.
  EXPECT_EQ(refusal("multipart/related; boundary=uuid:b1; type=\"application/xop+xml\"", body),
            common::StatusCode::kInvalidArgument);
  // LF-only line ends and an unquoted boundary are read too.
  std::string lf = "--b2\nContent-Type: application/xop+xml\n\n" + soap + "\n--b2--\n";
  EXPECT_EQ(parsed("Multipart/Related; boundary=b2", lf).status, RegistryStatus::kSuccess);
}

TEST(Iti41Response, AnythingElseIsRefusedWithoutCrashing) {
  const auto kInvalid = common::StatusCode::kInvalidArgument;
  const std::string ok = envelope(registryResponse(kSuccess));
  EXPECT_EQ(refusal("text/html", "<html>502 Bad Gateway</html>"), kInvalid);
  EXPECT_EQ(refusal("", ok), kInvalid);
  EXPECT_EQ(refusal(kSoap, ""), kInvalid);
  EXPECT_EQ(refusal(kSoap, "garbage \x01\xff"), kInvalid);
  EXPECT_EQ(refusal(kSoap, ok.substr(0, ok.size() / 2)), kInvalid) << "truncated";
  EXPECT_EQ(refusal(kSoap, std::string(kMaxIti41ResponseBytes + 1, ' ')), kInvalid) << "huge";
  EXPECT_EQ(refusal(kSoap, envelope(registryResponse("urn:other:Status"))), kInvalid);
  EXPECT_EQ(refusal(kSoap, envelope("<x:Other xmlns:x=\"urn:x\"/>")), kInvalid);
  EXPECT_EQ(refusal(kSoap, envelope("<s:Fault/>")), kInvalid) << "a Fault without Code";
  // SOAP 1.1 is not what was asked.
  EXPECT_EQ(refusal(kSoap,
                    "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                    "<e:Body/></e:Envelope>"),
            kInvalid);
  // Entities are never expanded: a DTD is refused outright.
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
      "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" +
      envelope(registryResponse(kSuccess, "&c;"));
  EXPECT_EQ(refusal(kSoap, laughs), kInvalid);
  const std::string external =
      "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + envelope("&e;");
  EXPECT_EQ(refusal(kSoap, external), kInvalid);
  // Deep nesting stops at libxml2's depth limit.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_EQ(refusal(kSoap, envelope(deep)), kInvalid);
  // Broken multiparts.
  EXPECT_EQ(refusal("multipart/related", ok), kInvalid) << "no boundary";
  EXPECT_EQ(refusal("multipart/related; boundary=zz", ok), kInvalid) << "no delimiter";
  EXPECT_EQ(refusal("multipart/related; boundary=zz",
                    "--zz\r\nContent-Type: application/xop+xml\r\n\r\n" + ok),
            kInvalid)
      << "not closed";
  EXPECT_EQ(refusal("multipart/related; boundary=\"zz", ok), kInvalid) << "open quote";
  EXPECT_EQ(refusal("multipart/related; boundary=zz; start=\"<nope>\"",
                    "--zz\r\nContent-Type: application/xop+xml\r\n\r\n" + ok + "\r\n--zz--\r\n"),
            kInvalid)
      << "start names no part";
}

RegistryError err(std::string code, std::string context = "", std::string location = "",
                  ErrorSeverity severity = ErrorSeverity::kError) {
  RegistryError e;
  e.errorCode = std::move(code);
  e.codeContext = std::move(context);
  e.location = std::move(location);
  e.severity = severity;
  return e;
}

Iti41Response failure(const std::vector<RegistryError>& errors) {
  Iti41Response r;
  r.status = RegistryStatus::kFailure;
  r.errors = errors;
  return r;
}

TEST(Iti41Classification, TableOfErrorCodes) {
  struct Row {
    const char* code;
    Iti41Outcome outcome;
  };
  for (const Row& row : {
           Row{"XDSRegistryBusy", Iti41Outcome::kTransient},
           Row{"XDSRepositoryBusy", Iti41Outcome::kTransient},
           Row{"XDSRegistryOutOfResources", Iti41Outcome::kTransient},
           Row{"XDSRepositoryOutOfResources", Iti41Outcome::kTransient},
           Row{"XDSRegistryNotAvailable", Iti41Outcome::kTransient},
           Row{"XDSPatientIdDoesNotMatch", Iti41Outcome::kPermanent},
           Row{"XDSRegistryMetadataError", Iti41Outcome::kPermanent},
           Row{"XDSRepositoryMetadataError", Iti41Outcome::kPermanent},
           Row{"XDSMissingDocument", Iti41Outcome::kPermanent},
           Row{"XDSMissingDocumentMetadata", Iti41Outcome::kPermanent},
           Row{"XDSNonIdenticalHash", Iti41Outcome::kPermanent},
           Row{"XDSNonIdenticalSize", Iti41Outcome::kPermanent},
           Row{"XDSUnknownPatientId", Iti41Outcome::kPermanent},
           Row{"XDSRegistryDuplicateUniqueIdInMessage", Iti41Outcome::kPermanent},
           Row{"XDSRepositoryDuplicateUniqueIdInMessage", Iti41Outcome::kPermanent},
           Row{"XDSUnknownRepositoryId", Iti41Outcome::kPermanent},
           Row{"XDSRegistryError", Iti41Outcome::kUnknown},
           Row{"XDSRepositoryError", Iti41Outcome::kUnknown},
           Row{"DMP_ERREUR_INCONNUE", Iti41Outcome::kUnknown},
           Row{"", Iti41Outcome::kUnknown},
       }) {
    const Iti41Classification c = classifyIti41Response(failure({err(row.code)}), {});
    EXPECT_EQ(c.outcome, row.outcome) << row.code;
  }
}

TEST(Iti41Classification, PermanentBeatsUnknownWhichBeatsTransient) {
  EXPECT_EQ(
      classifyIti41Response(failure({err("XDSRegistryBusy"), err("XDSRegistryMetadataError")}), {})
          .outcome,
      Iti41Outcome::kPermanent);
  EXPECT_EQ(
      classifyIti41Response(failure({err("XDSRegistryBusy"), err("SomethingNew")}), {}).outcome,
      Iti41Outcome::kUnknown);
  // Warnings do not decide a Failure.
  EXPECT_EQ(classifyIti41Response(
                failure({err("XDSRegistryMetadataError", "", "", ErrorSeverity::kWarning),
                         err("XDSRepositoryBusy")}),
                {})
                .outcome,
            Iti41Outcome::kTransient);
  EXPECT_EQ(classifyIti41Response(failure({}), {}).outcome, Iti41Outcome::kUnknown);
}

TEST(Iti41Classification, DuplicateOfOurOwnUniqueIdMeansAnEarlierAttemptWasRegistered) {
  const Submission s = testing::sampleSignedSubmission();
  const std::vector<std::string> ours = submittedUniqueIds(s.metadata);
  ASSERT_EQ(ours.size(), 3u);
  EXPECT_EQ(ours[0], s.metadata.submissionSet.uniqueId);
  EXPECT_EQ(ours[2], "2.25.111122223333444455556666777788889999");
  const std::string setId = s.metadata.submissionSet.uniqueId;

  const Iti41Classification own = classifyIti41Response(
      failure({err("XDSDuplicateUniqueIdInRegistry", "UniqueId " + setId + " already registered")}),
      ours);
  EXPECT_EQ(own.outcome, Iti41Outcome::kAlreadyRegistered);
  EXPECT_EQ(own.reason, "Failure: XDSDuplicateUniqueIdInRegistry");
  EXPECT_EQ(
      classifyIti41Response(
          failure({err("XDSDuplicateUniqueIdInRegistry", "", s.metadata.documents[0].uniqueId)}),
          ours)
          .outcome,
      Iti41Outcome::kAlreadyRegistered);
  // Someone else's id, or a longer OID that merely starts with ours, is not ours.
  EXPECT_EQ(classifyIti41Response(
                failure({err("XDSDuplicateUniqueIdInRegistry", "1.2.250.1.999.42")}), ours)
                .outcome,
            Iti41Outcome::kPermanent);
  EXPECT_EQ(
      classifyIti41Response(failure({err("XDSDuplicateUniqueIdInRegistry", setId + ".7")}), ours)
          .outcome,
      Iti41Outcome::kPermanent);
  // A duplicate of ours with a real error is still that error.
  EXPECT_EQ(
      classifyIti41Response(
          failure({err("XDSDuplicateUniqueIdInRegistry", setId), err("XDSNonIdenticalHash")}), ours)
          .outcome,
      Iti41Outcome::kPermanent);
}

TEST(Iti41Classification, SoapFaultCodes) {
  const auto outcome = [](const char* code) {
    Iti41Response r;
    r.fault = SoapFault{};
    r.fault->code = code;
    return classifyIti41Response(r, {}).outcome;
  };
  EXPECT_EQ(outcome("Receiver"), Iti41Outcome::kTransient);
  EXPECT_EQ(outcome("Sender"), Iti41Outcome::kPermanent);
  EXPECT_EQ(outcome("MustUnderstand"), Iti41Outcome::kPermanent);
  EXPECT_EQ(outcome("VersionMismatch"), Iti41Outcome::kPermanent);
  EXPECT_EQ(outcome("x:Whatever"), Iti41Outcome::kUnknown);
}

TEST(Iti41Classification, SuccessWithWarningsAndOutcomeNames) {
  Iti41Response r;
  r.status = RegistryStatus::kSuccess;
  r.errors = {err("XDSExtraMetadataNotSaved", "", "", ErrorSeverity::kWarning)};
  EXPECT_EQ(classifyIti41Response(r, {}).outcome, Iti41Outcome::kDeliveredWithWarnings);
  EXPECT_EQ(iti41OutcomeName(Iti41Outcome::kAlreadyRegistered), "already-registered");
  EXPECT_EQ(iti41OutcomeName(Iti41Outcome::kDeliveredWithWarnings), "delivered-with-warnings");
  EXPECT_EQ(iti41OutcomeName(Iti41Outcome::kUnknown), "unknown");
}

TEST(Iti41Classification, ReasonNeverCarriesThePeersFreeText) {
  const Iti41Classification c = classifyIti41Response(
      failure({err("Bad code with <markup> and spaces", "Patient 279035121518989 DURAND")}), {});
  EXPECT_EQ(c.reason.find("DURAND"), std::string::npos);
  EXPECT_EQ(c.reason.find('<'), std::string::npos);
  EXPECT_EQ(c.reason.find(' ', std::string("Failure: ").size()), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::xds
