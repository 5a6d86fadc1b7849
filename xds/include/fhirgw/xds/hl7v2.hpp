#pragma once

// The HL7 v2 data types XDS carries inside slots, in the forms of the CI-SIS (dmp-xds.md §1.7).
// Every free text is escaped, so a name with '^' or '&' cannot shift the components.

#include <string>
#include <string_view>

namespace fhirgw::xds {

/// OID of the national health professional id (IDNPS: 8 + RPPS, 0 + ADELI).
inline constexpr std::string_view kIdnpsOid = "1.2.250.1.71.4.2.1";
/// OID of the national structure id (Struct_IdNat: 1 + FINESS, 3 + SIRET).
inline constexpr std::string_view kStructureIdOid = "1.2.250.1.71.4.2.2";

/// HL7 v2 escaping of a text put in a component: \ | ^ & ~ become \E\ \F\ \S\ \T\ \R\; line
/// breaks become spaces.
std::string escapeHl7(std::string_view text);

/// CX with components 1, 4 and 5: "<id>^^^&<oid>&ISO^<type>" (the INS: type "NH").
std::string formatCx(std::string_view id, std::string_view assigningAuthorityOid,
                     std::string_view identifierType);

/// A person identified by a national id, for an XCN.
struct XcnPerson {
  std::string id;  ///< the IDNPS ("8" + RPPS)
  std::string family;
  std::string given;
  std::string assigningAuthorityOid = std::string(kIdnpsOid);
  std::string identifierType = "IDNPS";
};

/// XCN: "<id>^<FAMILY>^<Given>^^^^^^&<oid>&ISO^D^^^<type>" (XCN10 "D": a person).
std::string formatXcn(const XcnPerson& person);

/// XON with components 1, 6, 7 and 10: "<name>^^^^^&<oid>&ISO^<type>^^^<id>" (a structure:
/// the Struct_IdNat under 1.2.250.1.71.4.2.2, type "IDNST").
std::string formatXon(std::string_view name, std::string_view id,
                      std::string_view assigningAuthorityOid = kStructureIdOid,
                      std::string_view identifierType = "IDNST");

/// An e-mail address as the XTN part of an intendedRecipient: "||^^Internet^<address>".
std::string intendedRecipientMailbox(std::string_view address);

}  // namespace fhirgw::xds
