// SPDX-License-Identifier: Apache-2.0
// The module's own texts (the rules' texts come from the policy engine),
// translated through po/policy/*.po.
#pragma once

#include "sesam/i18n.h"

namespace sesam::pam {

inline constexpr const char* kMsgNewPassword = N_("New password: ");
inline constexpr const char* kMsgRetypePassword = N_("Retype new password: ");
inline constexpr const char* kMsgRefused = N_("Password refused:");
inline constexpr const char* kMsgMismatch = N_("The two passwords are not the same.");
inline constexpr const char* kMsgTriesLeft = N_("Please try again ({left} left).");
inline constexpr const char* kMsgTooManyTries = N_("Too many tries: the password was not changed.");
inline constexpr const char* kMsgRootOverride =
    N_("Accepted anyway, because root is changing the password.");
inline constexpr const char* kMsgPolicyBroken =
    N_("The password policy cannot be loaded ({reason}). Please tell the administrator.");
inline constexpr const char* kMsgNoAuthtok = N_("No new password was given.");

}  // namespace sesam::pam
