// SPDX-License-Identifier: Apache-2.0
// What is particular to Active Directory (Windows or Samba AD DC), in one
// place: how it refuses a password, when an account may get no mail, the
// account name, and the unlock after a reset. The LDAP Directory calls these
// at a few points; everything else about AD (unicodePwd over TLS, objectGUID,
// pwdLastSet as the password state) runs through the common code.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "session.h"

namespace sesam::ldap::internal {

// Whether a result is AD's password refusal: constraint violation whose
// diagnostic starts with the Win32 error 0000052D
// (ERROR_PASSWORD_RESTRICTION), for a reset (unicodePwd replace) or a change
// (delete old, add new).
bool IsAdPasswordRefusal(int ldap_code, std::string_view diagnostic);

// The Status reason for such a refusal. Samba's diagnostic names the rule
// ("check_password_restrictions: the password is too short ..."), so it maps
// to ppolicy.too_short, ppolicy.complexity, ppolicy.in_history or
// ppolicy.too_young; Windows' ("0000052D: AtrErr: DSID-..., problem 1005
// (CONSTRAINT_ATT_TYPE) ... unicodePwd") does not say which rule, so it is
// ppolicy.directory_rules: one of length, complexity, history or minimum age.
std::string_view AdPasswordRefusalReason(std::string_view diagnostic);

// Why an AD account may not get mail, as "attribute: value" for the admin's
// log, or "" when nothing says so:
// - userAccountControl with ACCOUNTDISABLE (0x2, [MS-ADTS] 2.2.16);
// - accountExpires in the past at `now`. It is a FILETIME (100 ns since
//   1601-01-01 UTC); 0 and 9223372036854775807 mean "never" ([MS-ADA1]).
// A lockout (lockoutTime) is not a reason: a reset is the way out of it.
std::string AdDisabledBy(const Entry& entry, std::chrono::system_clock::time_point now);

// The account's name when the entry has no uid: sAMAccountName (what pupils
// type at a Windows login), or "".
std::string AdUsername(const Entry& entry);

// After a successful reset in ad mode with [ldap] unlock_on_reset: writes
// lockoutTime 0 when the entry shows a lockout (lockoutTime present and not
// 0), so that a pupil locked out by mistyped passwords logs in at once. It
// needs the right to write lockoutTime (docs/directories.md); a refusal is
// logged as a warning and changes nothing else: the password is written.
void UnlockAfterReset(Session& session, const Entry& entry);

// The attributes the functions above read, for the account search.
inline constexpr std::string_view kAdAttributes[] = {"sAMAccountName", "accountExpires",
                                                     "lockoutTime"};

}  // namespace sesam::ldap::internal
