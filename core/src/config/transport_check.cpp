// SPDX-License-Identifier: Apache-2.0
// CheckTransport: which secrets a configuration would send over the network in
// clear, and to whom. A cross-section check (it reads [ldap] and [mail]) that
// only the processes sending these secrets run, so it is not one of the
// per-section validators that pam_sesam.so and `sesam check` also run: a
// workstation's plain ldap:// must not stop a password change at login.
//
// Hosts are judged by how they are written, never resolved: a name other than
// localhost may point anywhere tomorrow, so it counts as remote (fail closed).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "sesam/config.h"

namespace sesam::config {
namespace {

using Severity = Diagnostic::Severity;

struct UrlParts {
  std::string scheme;     // lower case, without "://"
  std::string host;       // lower case, without brackets; "" when the URL names none
  bool userinfo = false;  // "user[:password]@" before the host
};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  const std::size_t separator = url.find("://");
  if (separator == std::string_view::npos) return parts;
  parts.scheme = Lower(url.substr(0, separator));
  std::string_view authority = url.substr(separator + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    parts.userinfo = true;
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    // An unclosed bracket is kept whole: it parses as no address, so "remote".
    parts.host =
        Lower(close == std::string_view::npos ? authority : authority.substr(1, close - 1));
  } else {
    parts.host = Lower(authority.substr(0, authority.find(':')));
  }
  return parts;
}

// 127.0.0.0/8 written as a dotted quad, ::1 (also as ::ffff:127.x.y.z),
// localhost, or no host at all (libldap connects to localhost for ldap:///).
// Other spellings that the resolver would also take for loopback ("127.1")
// count as remote: a false error is fixed by writing the address plainly.
bool IsLoopback(const std::string& host) {
  if (host.empty() || host == "localhost" || host == "localhost.") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string_view PasswordModeName(PasswordMode mode) {
  switch (mode) {
    case PasswordMode::kExop:
      return "exop";
    case PasswordMode::kCrypt:
      return "crypt";
    case PasswordMode::kArgon2:
      return "argon2";
    case PasswordMode::kAd:
      return "ad";
  }
  return "?";
}

class Checker {
 public:
  explicit Checker(const Config& config) : config_(config) {}

  std::vector<Diagnostic> Run() {
    CheckLdap();
    CheckMail();
    return std::move(diagnostics_);
  }

 private:
  // Worded like the loader's section checks: "[ldap] uri: ...", with
  // "(default value)" when the key is not in the file.
  void Report(Severity severity, std::string_view section, std::string_view key,
              const std::string& message) {
    std::string where(section);
    where += '.';
    where += key;
    const auto seen = config_.lines.find(where);
    const int line = seen == config_.lines.end() ? 0 : seen->second;
    std::string text = "[";
    text += section;
    text += "] ";
    text += key;
    text += ": ";
    text += message;
    if (line == 0) text += " (default value)";
    diagnostics_.push_back({severity, config_.path, line, std::string(key), std::move(text)});
  }

  // Every password_mode sends something secret over every connection: exop
  // and ad the password itself, crypt and argon2 a hash that can be attacked
  // offline. A simple bind adds the bind password.
  std::string LdapSecrets() const {
    const LdapSection& l = config_.ldap;
    const bool hashed =
        l.password_mode == PasswordMode::kCrypt || l.password_mode == PasswordMode::kArgon2;
    std::string what = hashed ? "the new password hashes" : "the new passwords";
    what += " (password_mode = ";
    what += PasswordModeName(l.password_mode);
    what += ")";
    if (!l.bind_dn.empty() && l.sasl_mech.empty()) what += " and the bind password";
    return what;
  }

  void CheckLdap() {
    const LdapSection& l = config_.ldap;
    if (l.start_tls) return;
    for (const std::string& uri : l.uri) {
      const UrlParts parts = SplitUrl(uri);
      if (parts.scheme != "ldap") continue;  // ldaps://, ldapi://; others: ValidateLdap
      const std::string secrets = LdapSecrets();
      if (IsLoopback(parts.host)) {
        Report(Severity::kWarning, "ldap", "uri",
               "'" + uri + "' carries " + secrets +
                   " in clear over loopback: safe only while the directory runs on this "
                   "machine; ldapi:/// or start_tls = yes avoid it");
      } else {
        Report(Severity::kError, "ldap", "uri",
               "'" + uri + "' would send " + secrets + " in clear to '" + parts.host +
                   "'; use ldaps://, or set start_tls = yes");
      }
    }
  }

  void CheckMail() {
    const MailSection& m = config_.mail;
    const UrlParts parts = SplitUrl(m.smtp_url);
    if (parts.scheme != "smtp" || m.starttls) return;  // smtps://, STARTTLS; others: ValidateMail
    const bool credentials = !m.username.empty() || parts.userinfo;
    const bool loopback = IsLoopback(parts.host);
    if (credentials && !loopback) {
      Report(Severity::kError, "mail", "smtp_url",
             "'" + m.smtp_url + "' would send the SMTP password in clear to '" + parts.host +
                 "'; use smtps://, or set starttls = yes");
    } else if (credentials) {
      Report(Severity::kWarning, "mail", "smtp_url",
             "'" + m.smtp_url +
                 "' carries the SMTP password in clear over loopback: safe only while the "
                 "mail server runs on this machine; starttls = yes avoids it");
    } else if (!loopback) {
      Report(Severity::kWarning, "mail", "smtp_url",
             "'" + m.smtp_url + "' sends the reset links in clear to '" + parts.host +
                 "' (anyone on the way can use a link until it expires); use smtps://, or set "
                 "starttls = yes");
    }
  }

  const Config& config_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace

std::vector<Diagnostic> CheckTransport(const Config& config) { return Checker(config).Run(); }

}  // namespace sesam::config
