#include "fhirgw/xds/hl7v2.hpp"

namespace fhirgw::xds {

std::string escapeHl7(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\E\\";
        break;
      case '|':
        out += "\\F\\";
        break;
      case '^':
        out += "\\S\\";
        break;
      case '&':
        out += "\\T\\";
        break;
      case '~':
        out += "\\R\\";
        break;
      case '\r':
      case '\n':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string formatCx(std::string_view id, std::string_view assigningAuthorityOid,
                     std::string_view identifierType) {
  return escapeHl7(id) + "^^^&" + escapeHl7(assigningAuthorityOid) + "&ISO^" +
         escapeHl7(identifierType);
}

std::string formatXcn(const XcnPerson& person) {
  return escapeHl7(person.id) + "^" + escapeHl7(person.family) + "^" + escapeHl7(person.given) +
         "^^^^^^&" + escapeHl7(person.assigningAuthorityOid) + "&ISO^D^^^" +
         escapeHl7(person.identifierType);
}

std::string formatXon(std::string_view name, std::string_view id,
                      std::string_view assigningAuthorityOid, std::string_view identifierType) {
  return escapeHl7(name) + "^^^^^&" + escapeHl7(assigningAuthorityOid) + "&ISO^" +
         escapeHl7(identifierType) + "^^^" + escapeHl7(id);
}

std::string intendedRecipientMailbox(std::string_view address) {
  return "||^^Internet^" + escapeHl7(address);
}

}  // namespace fhirgw::xds
