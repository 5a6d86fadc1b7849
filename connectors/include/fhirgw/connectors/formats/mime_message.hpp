#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/result.hpp"

namespace fhirgw::connectors {

/// One attachment of a MIME message.
struct MimeAttachment {
  std::string contentType;  ///< "application/pdf", "application/zip"...
  std::string fileName;     ///< printable ASCII, no quote or backslash (an 8.3 name here)
  std::string bytes;
};

/// An RFC 5322 message with a text body and attachments.
struct MimeMessage {
  /// Header fields in order, before the MIME ones. Names are printable ASCII without ':';
  /// values are UTF-8 without control characters (non-ASCII values become encoded words).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text;  ///< the text/plain body, UTF-8, lines ending in '\n' or "\r\n"
  std::vector<MimeAttachment> attachments;
};

/// The message as RFC 5322 / MIME text with CRLF line ends: the header fields (a value with
/// non-ASCII characters as RFC 2047 "B" encoded words, folded), `MIME-Version: 1.0`, then a
/// `multipart/mixed` body whose boundary derives from `boundarySeed` (a text that cannot occur
/// in quoted-printable or base64 content); the text part in UTF-8 quoted-printable, each
/// attachment in base64 lines of 76 characters. kInvalidArgument when a header or a file name
/// could break the message (CR, LF, control characters, a header too long to send).
common::Result<std::string> writeMime(const MimeMessage& message, std::string_view boundarySeed);

}  // namespace fhirgw::connectors
