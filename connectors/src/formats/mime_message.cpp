#include "fhirgw/connectors/formats/mime_message.hpp"

#include <algorithm>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::connectors {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kBase64LineChars = 76;
constexpr std::size_t kQpLineChars = 75;           // plus the "=" of a soft break: 76
constexpr std::size_t kEncodedWordBytes = 45;      // 60 base64 characters in each encoded word
constexpr std::size_t kMaxAsciiHeaderChars = 900;  // RFC 5322 caps a line at 998

bool isPrintableAscii(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f;
}

bool hasControl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool isAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Splits UTF-8 text into chunks of at most `limit` bytes without cutting a character.
std::vector<std::string_view> utf8Chunks(std::string_view text, std::size_t limit) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t n = std::min(limit, text.size());
    // Step back over continuation bytes (10xxxxxx) so the chunk ends on a character boundary.
    while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min(limit, text.size());
    out.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return out;
}

common::Status writeHeader(std::string& out, std::string_view name, std::string_view value) {
  if (name.empty() || name.find(':') != std::string_view::npos ||
      !std::all_of(name.begin(), name.end(),
                   [](char c) { return isPrintableAscii(c) && c != ' '; })) {
    return common::invalidArgument("a MIME header name is not a printable token");
  }
  if (hasControl(value)) {
    return common::invalidArgument("the MIME header " + std::string(name) +
                                   " has a control character");
  }
  out.append(name).append(": ");
  if (isAscii(value)) {
    if (value.size() > kMaxAsciiHeaderChars) {
      return common::invalidArgument("the MIME header " + std::string(name) + " is too long");
    }
    out.append(value);
  } else {
    bool first = true;
    for (std::string_view chunk : utf8Chunks(value, kEncodedWordBytes)) {
      if (!first) out.append(kCrlf).append(" ");
      out.append("=?UTF-8?B?").append(common::base64Encode(chunk)).append("?=");
      first = false;
    }
  }
  out.append(kCrlf);
  return common::Status::ok();
}

void appendHex(std::string& out, unsigned char byte) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  out.push_back('=');
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 0x0F]);
}

// RFC 2045 6.7: line breaks of the text become CRLF, '=' and non-ASCII bytes =XX, a space or tab
// before a line end is encoded, lines over 76 characters get a soft break.
std::string quotedPrintable(std::string_view text) {
  std::string out;
  std::size_t lineLength = 0;
  auto put = [&](std::string_view piece) {
    if (lineLength + piece.size() > kQpLineChars) {
      out.append("=").append(kCrlf);
      lineLength = 0;
    }
    out.append(piece);
    lineLength += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n') {
      out.append(kCrlf);
      lineLength = 0;
      continue;
    }
    const bool atLineEnd = i + 1 == text.size() || text[i + 1] == '\n' ||
                           (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n');
    const auto u = static_cast<unsigned char>(c);
    const bool blank = c == ' ' || c == '\t';
    const bool literal = blank ? !atLineEnd : (u > 0x20 && u < 0x7f && c != '=');
    if (literal) {
      put(std::string_view(&c, 1));
    } else {
      std::string hex;
      appendHex(hex, u);
      put(hex);
    }
  }
  if (!text.empty() && text.back() != '\n') out.append(kCrlf);
  return out;
}

std::string base64Lines(std::string_view bytes) {
  const std::string encoded = common::base64Encode(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / kBase64LineChars * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += kBase64LineChars) {
    out.append(encoded, i, kBase64LineChars).append(kCrlf);
  }
  return out;
}

bool safeFileName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return isPrintableAscii(c) && c != '"' && c != '\\';
  });
}

bool safeContentType(std::string_view type) {
  return !type.empty() && std::all_of(type.begin(), type.end(), [](char c) {
    return isPrintableAscii(c) && c != '"' && c != '\\' && c != ';' && c != ' ';
  });
}

}  // namespace

common::Result<std::string> writeMime(const MimeMessage& message, std::string_view boundarySeed) {
  // "=_" cannot occur in base64 nor in quoted-printable text, so the boundary never appears in
  // a part (RFC 2045 6.7 and 2046 5.1.1).
  const std::string boundary = "=_fhirgw_" + common::sha256Hex(boundarySeed).substr(0, 32);
  std::string out;
  for (const auto& [name, value] : message.headers) {
    FHIRGW_RETURN_IF_ERROR(writeHeader(out, name, value));
  }
  out.append("MIME-Version: 1.0").append(kCrlf);
  out.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"");
  out.append(kCrlf).append(kCrlf);
  out.append("This is a MIME message.").append(kCrlf);

  out.append("--").append(boundary).append(kCrlf);
  out.append("Content-Type: text/plain; charset=utf-8").append(kCrlf);
  out.append("Content-Transfer-Encoding: quoted-printable").append(kCrlf).append(kCrlf);
  out.append(quotedPrintable(message.text));

  for (const MimeAttachment& a : message.attachments) {
    if (!safeFileName(a.fileName)) {
      return common::invalidArgument("an attachment's file name is not printable ASCII");
    }
    if (!safeContentType(a.contentType)) {
      return common::invalidArgument("an attachment's content type is not a plain type/subtype");
    }
    out.append("--").append(boundary).append(kCrlf);
    out.append("Content-Type: ").append(a.contentType);
    out.append("; name=\"").append(a.fileName).append("\"").append(kCrlf);
    out.append("Content-Transfer-Encoding: base64").append(kCrlf);
    out.append("Content-Disposition: attachment; filename=\"").append(a.fileName).append("\"");
    out.append(kCrlf).append(kCrlf);
    out.append(base64Lines(a.bytes));
  }
  out.append("--").append(boundary).append("--").append(kCrlf);
  return out;
}

}  // namespace fhirgw::connectors
