// SPDX-License-Identifier: Apache-2.0
// Whether an Active Directory security descriptor grants an extended right
// (a control access right such as "Reset Password") to a token, read the way
// Windows' access check reads a DACL ([MS-DTYP] 2.4.4, 2.5.3.2): ACEs in
// order, inherit-only ACEs skipped, an object ACE only for its own right (or
// every right when it names none), and the first ACE that matches the token
// and holds the right decides, deny or allow. Pure: the bytes come from LDAP
// (nTSecurityDescriptor with the SD flags control asking for the DACL, and
// the account's objectSid and tokenGroups).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sesam/ldap/write_rights.h"

namespace sesam::ldap::internal {

// The extended right "Reset Password" (00299570-246d-11d0-a768-00aa006e0529)
// as the 16 bytes of its GUID in their on-the-wire order.
std::string ResetPasswordRightGuid();

// Everyone (S-1-1-0) and Authenticated Users (S-1-5-11): in every bound
// token, but not in tokenGroups.
std::vector<std::string> ImplicitSids();

// `descriptor`: a self-relative SECURITY_DESCRIPTOR; `token`: binary SIDs;
// `right`: 16 GUID bytes. kYes / kNo as the DACL decides (no matching ACE
// denies); kUnknown when the bytes do not parse or hold no DACL (which would
// grant everything, but is more likely a descriptor sent in part).
Verdict GrantsControlAccess(std::string_view descriptor, const std::vector<std::string>& token,
                            std::string_view right);

}  // namespace sesam::ldap::internal
