// SPDX-License-Identifier: Apache-2.0
// The user's own change of password (Directory::VerifyPassword and
// ChangePassword): judging a bind as the account, the pwdAllowUserChange
// check, and the change written as a change (exop with oldPasswd, AD's
// unicodePwd delete-old/add-new), so that the directory applies its own
// history and minimum age. crypt / argon2 go through SetPassword's guarded
// write instead (ldap_directory.cpp).
#pragma once

#include <string>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"
#include "session.h"

namespace sesam::ldap::internal {

// What a bind as the account (Session::BindAsAccount) says about the
// password, as documented at Directory::VerifyPassword. Pure: unit-tested.
Status JudgeAccountBind(const WriteResult& bound);

// A bind as `dn` with `password`, judged.
Status VerifyAccountPassword(const config::LdapSection& settings, const std::string& dn,
                             const SecretString& password);

// PermissionDenied reason kChangeNotAllowed when the ppolicy policy entry
// named by the account's pwdPolicySubentry says pwdAllowUserChange: FALSE.
// slapd's ppolicy refuses only a change by the user's own identity (ITS#7021),
// and the change is sent by the service account, so Sesam asks. The default
// policy (olcPPolicyDefault) is not visible to clients: set the policy of
// accounts that may not change their password through pwdPolicySubentry.
Status CheckUserMayChange(Pool& pool, const std::string& dn);

// exop / ad: the change itself, with the old password, on a pooled
// connection; see Directory::ChangePassword for the Status.
Status ChangeWithOldPassword(const config::LdapSection& settings, Pool& pool, const std::string& dn,
                             const SecretString& current, const SecretString& new_password);

// Active Directory's answer to a refused unicodePwd change: its password
// rules keep the ppolicy.* reason MapResult gave them; a wrong old password
// (00000056) -> PermissionDenied; no right to change (insufficient access,
// "user cannot change password") -> PermissionDenied kChangeNotAllowed;
// another constraint -> ppolicy.other. Pure.
Status MapAdChangeRefusal(const WriteResult& written);

}  // namespace sesam::ldap::internal
