// SPDX-License-Identifier: Apache-2.0
// [ldap]: where the accounts are, how Sesam binds, and how a new password is written.
#include <algorithm>

#include "key_table.h"

namespace sesam::config::internal {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

void ValidateLdap(const Config& c, const ReportFn& report) {
  const LdapSection& l = c.ldap;
  using Severity = Diagnostic::Severity;
  if (l.uri.empty()) report("uri", "at least one URI is required", Severity::kError);
  for (const auto& uri : l.uri) {
    if (!StartsWith(uri, "ldap://") && !StartsWith(uri, "ldaps://") &&
        !StartsWith(uri, "ldapi://")) {
      report("uri", "'" + uri + "' is not an ldap://, ldaps:// or ldapi:// URI", Severity::kError);
    }
  }
  if (l.user_filter.find("{username}") == std::string::npos) {
    report("user_filter", "the filter must contain {username}", Severity::kError);
  }
  if (l.user_filter.empty() || l.user_filter.front() != '(' || l.user_filter.back() != ')') {
    report("user_filter", "the filter must be enclosed in parentheses (RFC 4515)",
           Severity::kError);
  }
  if (!l.sasl_mech.empty() && l.sasl_mech != "EXTERNAL") {
    report("sasl_mech", "expected 'EXTERNAL' or nothing (simple bind)", Severity::kError);
  }
  if (!l.sasl_mech.empty() && !l.bind_dn.empty()) {
    report("sasl_mech", "set either sasl_mech or bind_dn, not both", Severity::kError);
  }
  if (!l.bind_dn.empty() && l.bind_password_file.empty()) {
    report("bind_password_file", "bind_dn is set, so bind_password_file is required",
           Severity::kError);
  }
  if (l.bind_dn.empty() && !l.bind_password_file.empty()) {
    report("bind_dn", "bind_password_file is set, so bind_dn is required", Severity::kError);
  }
  if (l.name_attribute.empty())
    report("name_attribute", "at least one attribute is required", Severity::kError);
  if (l.mail_attributes.empty() && l.coaccount_mail_attributes.empty()) {
    report("mail_attributes", "no mail attribute is configured: no reset mail could be sent",
           Severity::kError);
  }
  const bool all_tls = std::all_of(l.uri.begin(), l.uri.end(), [](const std::string& uri) {
    return StartsWith(uri, "ldaps://") || StartsWith(uri, "ldapi://");
  });
  if (l.password_mode == PasswordMode::kAd && !l.start_tls && !all_tls) {
    report("password_mode",
           "password_mode = ad writes unicodePwd, which needs TLS: use ldaps:// URIs or "
           "start_tls = yes",
           Severity::kError);
  }
  if (!l.tls_verify) {
    report("tls_verify", "tls_verify = no: the directory server's certificate is not checked",
           Severity::kWarning);
  }
}

}  // namespace

SectionSpec LdapSectionSpec() {
  using S = LdapSection;
  constexpr auto s = &Config::ldap;
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  using std::chrono::seconds;
  return {
      "ldap",
      {
          ListKey(s, &S::uri, "uri", "ldapi:///"),
          BoolKey(s, &S::start_tls, "start_tls", "no"),
          StringKey(s, &S::tls_ca_file, "tls_ca_file", ""),
          BoolKey(s, &S::tls_verify, "tls_verify", "yes"),
          StringKey(s, &S::bind_dn, "bind_dn", ""),
          StringKey(s, &S::bind_password_file, "bind_password_file", "", KeyKind::kSecretFile),
          StringKey(s, &S::sasl_mech, "sasl_mech", ""),
          StringKey(s, &S::base, "base", ""),
          EnumKey(s, &S::scope, "scope", "sub",
                  {{"sub", LdapScope::kSub}, {"one", LdapScope::kOne}}),
          StringKey(s, &S::user_filter, "user_filter",
                    "(&(objectClass=inetOrgPerson)(uid={username}))"),
          ListKey(s, &S::name_attribute, "name_attribute", "givenName"),
          ListKey(s, &S::mail_attributes, "mail_attributes", "mail"),
          ListKey(s, &S::coaccount_mail_attributes, "coaccount_mail_attributes",
                  "sesamCoAccountMail"),
          EnumKey(s, &S::password_mode, "password_mode", "exop",
                  {{"exop", PasswordMode::kExop},
                   {"crypt", PasswordMode::kCrypt},
                   {"argon2", PasswordMode::kArgon2},
                   {"ad", PasswordMode::kAd}}),
          EnumKey(
              s, &S::crypt_scheme, "crypt_scheme", "yescrypt",
              {{"yescrypt", CryptScheme::kYescrypt}, {"sha512-crypt", CryptScheme::kSha512Crypt}}),
          BoolKey(s, &S::update_shadow_last_change, "update_shadow_last_change", "yes"),
          DurationKey(s, &S::network_timeout, "network_timeout", "3s", milliseconds(100),
                      minutes(5)),
          DurationKey(s, &S::timeout, "timeout", "5s", milliseconds(100), minutes(5)),
          UnsignedKey(s, &S::pool_size, "pool_size", "8", 1, 256),
          DurationKey(s, &S::failback_interval, "failback_interval", "30s", seconds(1),
                      minutes(60)),
          EnumKey(s, &S::id_attribute, "id_attribute", "auto",
                  {{"auto", IdAttribute::kAuto},
                   {"entryUUID", IdAttribute::kEntryUuid},
                   {"nsUniqueId", IdAttribute::kNsUniqueId},
                   {"objectGUID", IdAttribute::kObjectGuid}}),
          BoolKey(s, &S::unlock_on_reset, "unlock_on_reset", "yes"),
      },
      ValidateLdap,
  };
}

}  // namespace sesam::config::internal
