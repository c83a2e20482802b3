// SPDX-License-Identifier: Apache-2.0
// Whether the service account may write an account's password, asked of the
// server itself (for `sesam doctor`), without writing anything.
//
// Each directory has its own way to tell, or none:
// - 389-ds: the Get Effective Rights control (1.3.6.1.4.1.42.2.27.9.5.2,
//   listed in its rootDSE) on a base search of the account, for the bind DN:
//   `attributeLevelRights: userPassword:...w...`.
// - Active Directory / Samba (rootDSE supportedCapabilities
//   1.2.840.113556.1.4.800): the operational attribute
//   allowedAttributesEffective of the account, which lists the attributes the
//   bound account may write. AD's "Reset Password" is an extended right that
//   this list does not show: for unicodePwd the entry's DACL is read
//   (nTSecurityDescriptor) and evaluated for the service account's token
//   (objectSid, tokenGroups); kUnknown when it cannot be read.
// - OpenLDAP (a stock build has neither): kUnknown, with what to check by hand.
//
// Threading: a free function on its own short-lived connection (connect,
// StartTLS as configured, bind, two searches, unbind); callable from any
// thread. Errors: the connection's (Unavailable, DeadlineExceeded,
// PermissionDenied for a refused bind), as ldap::Directory reports them.
#pragma once

#include <string>
#include <vector>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap {

enum class Verdict { kYes, kNo, kUnknown };

struct AttributeRight {
  std::string attribute;  // "userPassword", "unicodePwd", "lockoutTime"
  Verdict may_write = Verdict::kUnknown;
  std::string how;  // how the verdict was reached, when not by `mechanism`
};

struct WriteRights {
  // "get effective rights control", "allowedAttributesEffective" or "" (none).
  std::string mechanism;
  std::vector<AttributeRight> rights;  // one per attribute asked about
  // Why a verdict is kUnknown, and what to check by hand instead.
  std::string note;
};

// The attributes a password write of `settings.password_mode` needs: ad ->
// unicodePwd (and lockoutTime with unlock_on_reset); the others ->
// userPassword.
std::vector<std::string> PasswordAttributes(const config::LdapSection& settings);

// Asks the server about PasswordAttributes(settings) on `dn` for the service
// account of `settings` (bind_password: its secret, empty for SASL EXTERNAL).
// Nothing is written.
Result<WriteRights> CheckWriteRights(const config::LdapSection& settings,
                                     const SecretString& bind_password, const std::string& dn);

// The GER answer's attributeLevelRights values ("userPassword:rscwo",
// possibly several per value, comma-separated) -> the right to write
// `attribute` ('w'; 'W' is self-write only, which a service account writing
// another entry does not have). kUnknown when the attribute is not named.
Verdict ParseAttributeLevelRights(const std::vector<std::string>& values,
                                  const std::string& attribute);

}  // namespace sesam::ldap
