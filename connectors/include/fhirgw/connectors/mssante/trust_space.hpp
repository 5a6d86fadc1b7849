#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"

namespace fhirgw::connectors {

/// The domain under which every MSSanté mailbox lives.
inline constexpr std::string_view kMssanteDomainSuffix = ".mssante.fr";
/// The domain of the patients' Mon Espace Santé mailboxes (`<INS>@patient.mssante.fr`).
inline constexpr std::string_view kPatientMailboxDomain = "patient.mssante.fr";

/// An e-mail address split at its '@', the domain in lower case.
struct MailAddress {
  std::string local;
  std::string domain;
  std::string text() const { return local + "@" + domain; }
};

/// Parses a plain address (`local@domain`, no display name, no angle brackets, no comment):
/// printable ASCII without spaces, quotes or the characters that delimit addresses in SMTP and
/// headers, a domain of LDH labels. nullopt otherwise.
std::optional<MailAddress> parseMailAddress(std::string_view text);

/// Which recipients health data may be sent to: the MSSanté trust space. A domain must end in
/// `.mssante.fr`; when a trust list is configured, it must also be one of its domains. Anything
/// else is refused before a connection is opened: health data never leaves by ordinary e-mail.
class TrustSpace {
 public:
  /// Everything under `.mssante.fr`.
  TrustSpace() = default;
  /// Only these domains (each under `.mssante.fr`, compared in lower case).
  explicit TrustSpace(std::vector<std::string> domains) : domains_(std::move(domains)) {}

  /// Reads a trust-list file: one domain per line, blank lines and `#` comments ignored.
  /// kInvalidArgument naming the line when a domain is not under `.mssante.fr` or not a domain.
  static common::Result<TrustSpace> fromFile(const std::string& path);

  /// Whether a message may be sent to this address.
  bool admits(std::string_view address) const;
  /// The configured list (empty: every `.mssante.fr` domain).
  const std::vector<std::string>& domains() const { return domains_; }

 private:
  std::vector<std::string> domains_;
};

/// The patient's Mon Espace Santé mailbox for an INS-NIR: `<15 digits>@patient.mssante.fr`;
/// nullopt when the value is not 15 digits.
std::optional<std::string> patientMailbox(std::string_view insNir);

}  // namespace fhirgw::connectors
