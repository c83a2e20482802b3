// SPDX-License-Identifier: Apache-2.0
// The checks of `sesam doctor`, each writing its lines to a DoctorReport.
// They run in the order below; a check that needs an earlier one's result
// (the account for the write rights) takes it as an argument.
#pragma once

#include <optional>
#include <string>

#include "doctor_report.h"
#include "sesam/config.h"
#include "sesam/ldap/directory.h"

namespace sesam::cli::doctor {

// The files sesam-fcgi reads, opened as the user of sesam-fcgi.service
// (install_checks.h); a warning when that cannot be checked here.
void CheckSecretFiles(const config::Config& config, DoctorReport& report);

// [web] state_dir: present, owned by the service user, an LMDB store that
// opens and takes a (rolled back) write.
void CheckStateStore(const config::Config& config, DoctorReport& report);

// The bind of the service account; false when it failed (the LDAP checks
// after it are then skipped).
bool CheckBind(const config::Config& config, ldap::Directory& directory, DoctorReport& report);

// The server's profile: vendor, id attribute, password-state source, schema
// or host-local mode.
void CheckProfile(const config::Config& config, ldap::Directory& directory, DoctorReport& report);

// mail_attributes, coaccount_mail_attributes and name_attribute against the
// server's subschema: an attribute it does not define finds nobody's address.
void CheckAttributes(const config::Config& config, DoctorReport& report);

// The test account `user` and its addresses; the account when found.
std::optional<ldap::Account> CheckAccount(const config::Config& config, ldap::Directory& directory,
                                          const std::string& user, DoctorReport& report);

// Whether the service account may write `account`'s password.
void CheckWriteRights(const config::Config& config, const ldap::Account& account,
                      DoctorReport& report);

// The account lookup and the id lookup against a base read of the entry
// (issue #15): beyond ldap::kSlowLookupFactor, a warning naming the index
// that is probably missing.
void CheckLookupSpeed(const config::Config& config, ldap::Directory& directory,
                      const std::string& user, const ldap::Account& account, DoctorReport& report);

// EHLO, STARTTLS, AUTH, QUIT with [mail]; nothing is sent.
void CheckSmtp(const config::Config& config, DoctorReport& report);

}  // namespace sesam::cli::doctor
