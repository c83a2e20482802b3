// SPDX-License-Identifier: Apache-2.0
// The directory checks of `sesam doctor`, through the same Directory code
// sesam-fcgi runs, plus the write-rights question (sesam/ldap/write_rights.h).
#include <algorithm>
#include <cstdio>

#include "doctor_checks.h"
#include "sesam/ldap/lookup_timing.h"
#include "sesam/ldap/schema_check.h"
#include "sesam/ldap/write_rights.h"

namespace sesam::cli::doctor {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Who(const config::LdapSection& ldap) {
  return ldap.sasl_mech == "EXTERNAL" ? std::string("SASL EXTERNAL") : ldap.bind_dn;
}

// What to do about a directory error, by its code.
std::string DirectoryFix(const config::Config& config, const Status& status) {
  const config::LdapSection& ldap = config.ldap;
  switch (status.code()) {
    case StatusCode::kPermissionDenied:
      if (ldap.sasl_mech == "EXTERNAL") {
        return "the server refused SASL EXTERNAL: map this process's identity to the service "
               "account (olcAuthzRegexp) or configure bind_dn and bind_password_file";
      }
      return "check [ldap] bind_dn (" + ldap.bind_dn + ") and the password in [ldap] " +
             "bind_password_file (" + ldap.bind_password_file + ")";
    case StatusCode::kUnavailable:
      return "check [ldap] uri (" + Join(ldap.uri, " ") +
             "), that the server runs and that this host may reach it; with TLS, that " +
             "tls_ca_file holds the server's CA";
    case StatusCode::kDeadlineExceeded:
      return "the server did not answer within [ldap] network_timeout / timeout: check its "
             "load and the network";
    default:
      return "see the message; `sesam lookup USER` meets the same error";
  }
}

// The service account's password, or an empty one for SASL EXTERNAL.
Result<SecretString> BindPassword(const config::LdapSection& ldap) {
  if (ldap.sasl_mech == "EXTERNAL") return SecretString();
  return config::ReadSecretFile(ldap.bind_password_file);
}

std::string Milliseconds(std::chrono::microseconds time) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(time.count()) / 1000.0);
  return text;
}

// The attribute of `filter` that the username goes into: "(uid={username})"
// -> "uid". "" when the filter does not have that simple form.
std::string FilterAttribute(const std::string& filter) {
  const std::size_t at = filter.find("={username}");
  if (at == std::string::npos) return "";
  const std::size_t open = filter.rfind('(', at);
  return open == std::string::npos ? "" : filter.substr(open + 1, at - open - 1);
}

std::string IndexFix(const std::string& vendor, const std::string& attribute) {
  const std::string name = attribute.empty() ? std::string("ATTRIBUTE") : attribute;
  if (vendor == "OpenLDAP") {
    return "index it: olcDbIndex: " + name + " eq (cn=config, the database of [ldap] base)";
  }
  if (vendor == "389 Directory Server") {
    return "index it: dsconf INSTANCE backend index add --attr " + name +
           " --index-type eq userRoot, then dsconf INSTANCE backend index reindex userRoot";
  }
  return "make sure the server indexes " + name + " for equality";
}

}  // namespace

bool CheckBind(const config::Config& config, ldap::Directory& directory, DoctorReport& report) {
  const Status status = directory.Ping();
  const std::string target = Who(config.ldap) + " to " + Join(config.ldap.uri, " ");
  if (!status.ok()) {
    report.Fail("bind", target + ": " + status.ToString(), DirectoryFix(config, status));
    return false;
  }
  report.Ok("bind", target + (config.ldap.start_tls ? " (StartTLS)" : "") + ", base " +
                        config.ldap.base + " readable");
  return true;
}

void CheckProfile(const config::Config& config, ldap::Directory& directory, DoctorReport& report) {
  Result<ldap::ServerProfile> profile = directory.Profile();
  if (!profile.ok()) {
    report.Fail("directory",
                "could not read the server's rootDSE and schema: " + profile.status().ToString(),
                DirectoryFix(config, profile.status()));
    return;
  }
  report.Ok("directory", profile->vendor + "; account id from " + profile->id_attribute +
                             "; password state from " + profile->state_source);
  if (profile->sesam_schema) {
    report.Ok("schema",
              "the Sesam schema is loaded: reset rounds and write claims are kept in "
              "the directory, shared by every host");
  } else {
    report.Ok("schema", "no Sesam schema: host-local mode, reset rounds kept in [web] state_dir " +
                            config.web.state_dir + " (limits hold per host)");
  }
  if (!profile->assertion_control) {
    report.Ok("concurrency",
              "no RFC 4528 assertion on modify: concurrent use of one link is "
              "serialised on this host (docs/scaling.md)");
  }
}

void CheckAttributes(const config::Config& config, DoctorReport& report) {
  constexpr std::string_view kCheck = "attributes";
  Result<SecretString> password = BindPassword(config.ldap);
  if (!password.ok()) return;  // the bind has failed already
  const config::LdapSection& ldap = config.ldap;
  std::vector<std::string> named = ldap.mail_attributes;
  named.insert(named.end(), ldap.coaccount_mail_attributes.begin(),
               ldap.coaccount_mail_attributes.end());
  named.insert(named.end(), ldap.name_attribute.begin(), ldap.name_attribute.end());
  Result<std::vector<std::string>> undefined = ldap::UndefinedAttributes(ldap, *password, named);
  if (!undefined.ok()) {
    report.Warn(kCheck, "could not be checked against the server's schema: " +
                            undefined.status().ToString());
    return;
  }
  const auto in = [](const std::vector<std::string>& keys, const std::string& name) {
    return std::find(keys.begin(), keys.end(), name) != keys.end();
  };
  for (const auto& name : *undefined) {
    const std::string problem = name + ", which this server's schema does not define";
    if (in(ldap.mail_attributes, name)) {
      report.Fail(kCheck, "[ldap] mail_attributes names " + problem + ": no mail goes to it",
                  "name the attribute that holds the accounts' own addresses (usually mail)");
    } else if (in(ldap.coaccount_mail_attributes, name)) {
      report.Fail(kCheck,
                  "[ldap] coaccount_mail_attributes names " + problem + ": no co-account gets mail",
                  "name the attribute your directory uses (Active Directory: otherMailbox; "
                  "389-ds: mailAlternateAddress; with the Sesam schema loaded: "
                  "sesamCoAccountMail), or leave the key empty");
    } else {
      report.Warn(kCheck, "[ldap] name_attribute names " + problem + ": mails greet nobody by name",
                  "name the attribute with the first name (usually givenName)");
    }
  }
  if (undefined->empty()) {
    report.Ok(kCheck, "the server's schema defines " + Join(named));
  }
}

std::optional<ldap::Account> CheckAccount(const config::Config& config, ldap::Directory& directory,
                                          const std::string& user, DoctorReport& report) {
  const std::string check = "account '" + user + "'";
  Result<ldap::Account> account = directory.FindAccount(user);
  if (!account.ok()) {
    const Status& status = account.status();
    if (status.reason() == ldap::kReasonSeveralAccounts) {
      report.Fail(check, "several entries match, so a reset finds none (" + status.message() + ")",
                  "make [ldap] user_filter or base match exactly one entry per username");
    } else if (status.code() == StatusCode::kNotFound) {
      report.Fail(check,
                  "no entry matches [ldap] user_filter " + config.ldap.user_filter + " under " +
                      config.ldap.base,
                  "check the username, [ldap] base, scope and user_filter, and that the "
                  "service account may read the accounts");
    } else {
      report.Fail(check, status.ToString(), DirectoryFix(config, status));
    }
    return std::nullopt;
  }
  if (account->id.empty()) {
    Result<ldap::ServerProfile> profile = directory.Profile();
    const std::string attribute =
        profile.ok() ? profile->id_attribute : std::string("the id attribute");
    report.Fail(check,
                account->dn + ": " + attribute +
                    " could not be read: no reset link can be made for this account",
                "give the service account read access to " + attribute +
                    ", or set [ldap] id_attribute to one the directory has (entryUUID, "
                    "nsUniqueId, objectGUID)");
  } else {
    report.Ok(check, account->dn + ", id " + account->id);
  }
  if (account->disabled) {
    report.Warn(check, "disabled (" + account->disabled_by + "): a reset mails nobody",
                "test with an account in use");
  }
  if (account->own_addresses.empty() && account->coaccount_addresses.empty()) {
    report.Warn(check,
                "no address in [ldap] mail_attributes (" + Join(config.ldap.mail_attributes) +
                    ") or coaccount_mail_attributes (" +
                    Join(config.ldap.coaccount_mail_attributes) + "): a reset mails nobody",
                "fill the attributes, or name the ones your directory uses");
  } else {
    std::string addresses;
    if (!account->own_addresses.empty()) {
      addresses += "own " + Join(account->own_addresses);
    }
    if (!account->coaccount_addresses.empty()) {
      if (!addresses.empty()) addresses += "; ";
      addresses += "co-account " + Join(account->coaccount_addresses);
    }
    report.Ok(check, "a reset mails " + addresses);
  }
  if (account->password_state.empty()) {
    report.Warn(check, "no password state could be read: links cannot be tied to the password",
                "give the service account read access to the password-state attribute "
                "(see 'directory')");
  }
  return std::move(account).value();
}

void CheckWriteRights(const config::Config& config, const ldap::Account& account,
                      DoctorReport& report) {
  constexpr std::string_view kCheck = "password write";
  Result<SecretString> password = BindPassword(config.ldap);
  if (!password.ok()) {
    report.Fail(kCheck, password.status().message(),
                "make [ldap] bind_password_file readable (mode 0600)");
    return;
  }
  Result<ldap::WriteRights> rights = ldap::CheckWriteRights(config.ldap, *password, account.dn);
  if (!rights.ok()) {
    report.Warn(kCheck, "could not be checked: " + rights.status().ToString(),
                DirectoryFix(config, rights.status()));
    return;
  }
  const std::string who = Who(config.ldap);
  for (const auto& right : rights->rights) {
    const std::string what = right.attribute + " of " + account.dn;
    const std::string how = right.how.empty() ? rights->mechanism : right.how;
    switch (right.may_write) {
      case ldap::Verdict::kYes:
        report.Ok(kCheck, who + " may write " + what + " (" + how + ")");
        break;
      case ldap::Verdict::kNo:
        report.Fail(kCheck, who + " may not write " + what + " (" + how + ")",
                    right.attribute == "unicodePwd"
                        ? "grant the service account the extended right 'Reset Password' on "
                          "the accounts' OU, e.g. dsacls \"OU=...\" /I:S /G "
                          "\"DOMAIN\\sesam:CA;Reset Password;user\" (docs/directories.md)"
                        : "grant the service account write access to " + right.attribute +
                              " on the accounts: docs/directories.md and packaging/acl/ show "
                              "how");
        break;
      case ldap::Verdict::kUnknown:
        report.Warn(
            kCheck, "could not be checked for " + what,
            rights->note.empty() ? "check the server's access rules by hand" : rights->note);
        break;
    }
  }
}

void CheckLookupSpeed(const config::Config& config, ldap::Directory& directory,
                      const std::string& user, const ldap::Account& account, DoctorReport& report) {
  constexpr std::string_view kCheck = "lookup speed";
  if (account.id.empty()) return;  // no lookup by id to time; CheckAccount has said why
  Result<SecretString> password = BindPassword(config.ldap);
  if (!password.ok()) return;  // CheckWriteRights has said so
  Result<ldap::LookupTimes> times =
      ldap::TimeLookups(config.ldap, *password, directory, user, account);
  if (!times.ok()) {
    report.Warn(kCheck, "could not be measured: " + times.status().ToString());
    return;
  }
  Result<ldap::ServerProfile> profile = directory.Profile();
  const std::string vendor = profile.ok() ? profile->vendor : std::string();
  const auto factor = [&](std::chrono::microseconds time) {
    return static_cast<double>(time.count()) / static_cast<double>(times->base_read.count());
  };
  const std::string base = "a base read of the entry (" + Milliseconds(times->base_read) + ")";
  bool slow = false;
  if (factor(times->by_username) > ldap::kSlowLookupFactor) {
    slow = true;
    const std::string attribute = FilterAttribute(config.ldap.user_filter);
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.0f", factor(times->by_username));
    report.Warn(kCheck,
                "the account lookup takes " + Milliseconds(times->by_username) + ", " + ratio +
                    "x " + base + ": [ldap] user_filter's attribute" +
                    (attribute.empty() ? std::string() : " " + attribute) +
                    " is probably not indexed",
                IndexFix(vendor, attribute));
  }
  if (factor(times->by_id) > ldap::kSlowLookupFactor) {
    slow = true;
    const std::string attribute = profile.ok() ? profile->id_attribute : std::string();
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.0f", factor(times->by_id));
    report.Warn(kCheck,
                "the lookup by id (every link opened) takes " + Milliseconds(times->by_id) + ", " +
                    ratio + "x " + base + ": " +
                    (attribute.empty() ? std::string("the id attribute") : attribute) +
                    " is probably not indexed",
                IndexFix(vendor, attribute));
  }
  if (!slow) {
    report.Ok(kCheck, "account lookup " + Milliseconds(times->by_username) + ", by id " +
                          Milliseconds(times->by_id) + ", base read " +
                          Milliseconds(times->base_read));
  }
}

}  // namespace sesam::cli::doctor
