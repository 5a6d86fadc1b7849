#include "fhirgw/connectors/mssante/trust_space.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

namespace fhirgw::connectors {
namespace {

constexpr std::size_t kMaxLocalPart = 64;  // RFC 5321 4.5.3.1.1
constexpr std::size_t kMaxDomain = 253;    // RFC 1035, without the root dot
constexpr std::size_t kMaxLabel = 63;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool isLocalChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  // Delimiters of SMTP paths and header addresses, quotes and comments.
  return std::string_view("<>()[]\\,;:@\"").find(c) == std::string_view::npos;
}

bool isDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDomain) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

bool underMssante(std::string_view domain) {
  return domain.size() > kMssanteDomainSuffix.size() && domain.ends_with(kMssanteDomainSuffix);
}

}  // namespace

std::optional<MailAddress> parseMailAddress(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view local = text.substr(0, at);
  if (local.size() > kMaxLocalPart || !std::all_of(local.begin(), local.end(), isLocalChar) ||
      local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string domain(text.substr(at + 1));
  std::transform(domain.begin(), domain.end(), domain.begin(), lower);
  if (!isDomain(domain)) return std::nullopt;
  return MailAddress{std::string(local), std::move(domain)};
}

common::Result<TrustSpace> TrustSpace::fromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::invalidArgument("cannot read the trust list");
  std::vector<std::string> domains;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = line;
    text = text.substr(0, text.find('#'));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
      text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
      text.remove_suffix(1);
    }
    if (text.empty()) continue;
    std::string domain(text);
    std::transform(domain.begin(), domain.end(), domain.begin(), lower);
    if (!isDomain(domain) || !underMssante(domain)) {
      return common::invalidArgument("trust list line " + std::to_string(number) +
                                     ": not a domain under .mssante.fr");
    }
    domains.push_back(std::move(domain));
  }
  if (domains.empty()) return common::invalidArgument("the trust list names no domain");
  return TrustSpace(std::move(domains));
}

bool TrustSpace::admits(std::string_view address) const {
  const auto parsed = parseMailAddress(address);
  if (!parsed || !underMssante(parsed->domain)) return false;
  if (domains_.empty()) return true;
  return std::find(domains_.begin(), domains_.end(), parsed->domain) != domains_.end();
}

std::optional<std::string> patientMailbox(std::string_view insNir) {
  if (insNir.size() != 15 || !std::all_of(insNir.begin(), insNir.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return std::nullopt;
  }
  return std::string(insNir) + "@" + std::string(kPatientMailboxDomain);
}

}  // namespace fhirgw::connectors
