// SPDX-License-Identifier: Apache-2.0
// The directory checks of `sesam doctor`, through the same Directory code
// sesam-fcgi runs, plus the write-rights question (sesam/ldap/write_rights.h).
#include "doctor_checks.h"
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
    for (const auto& attribute : config.ldap.coaccount_mail_attributes) {
      if (attribute == "sesamCoAccountMail") {
        report.Warn("schema",
                    "[ldap] coaccount_mail_attributes names sesamCoAccountMail, which this "
                    "server does not define: no co-account gets mail",
                    "name the attribute that holds the co-accounts' addresses (AD: otherMailbox)"
                    ", or load schemas/ (see schemas/README.md)");
      }
    }
  }
  if (!profile->assertion_control) {
    report.Ok("concurrency",
              "no RFC 4528 assertion on modify: concurrent use of one link is "
              "serialised on this host (docs/scaling.md)");
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
    report.Fail(check,
                account->dn +
                    ": its id attribute could not be read: no reset link can "
                    "be made for it",
                "give the service account read access to the id attribute (`sesam doctor` "
                "names it under 'directory'), or set [ldap] id_attribute");
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
  SecretString password;
  if (config.ldap.sasl_mech != "EXTERNAL") {
    Result<SecretString> read = config::ReadSecretFile(config.ldap.bind_password_file);
    if (!read.ok()) {
      report.Fail(kCheck, read.status().message(),
                  "make [ldap] bind_password_file readable (mode 0600)");
      return;
    }
    password = std::move(read).value();
  }
  Result<ldap::WriteRights> rights = ldap::CheckWriteRights(config.ldap, password, account.dn);
  if (!rights.ok()) {
    report.Warn(kCheck, "could not be checked: " + rights.status().ToString(),
                DirectoryFix(config, rights.status()));
    return;
  }
  const std::string who = Who(config.ldap);
  for (const auto& right : rights->rights) {
    const std::string what = right.attribute + " of " + account.dn;
    switch (right.may_write) {
      case ldap::Verdict::kYes:
        report.Ok(kCheck, who + " may write " + what + " (" + rights->mechanism + ")");
        break;
      case ldap::Verdict::kNo:
        report.Fail(kCheck, who + " may not write " + what + " (" + rights->mechanism + ")",
                    "grant the service account write access to " + right.attribute +
                        " on the accounts: docs/directories.md and packaging/acl/ show how");
        break;
      case ldap::Verdict::kUnknown:
        report.Warn(
            kCheck, "could not be checked for " + what,
            rights->note.empty() ? "check the server's access rules by hand" : rights->note);
        break;
    }
  }
}

}  // namespace sesam::cli::doctor
