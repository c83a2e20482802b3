// SPDX-License-Identifier: Apache-2.0
// The English msgids of every rule (translated through po/policy/*.po), in
// one place so the engine, BrowserRulesJson and the PAM module agree.
#pragma once

#include "sesam/i18n.h"

namespace sesam::policy::internal {

inline constexpr const char* kMsgUtf8 = N_("Only valid characters (UTF-8 text)");
inline constexpr const char* kMsgControl = N_("No control characters (such as tab or newline)");
inline constexpr const char* kMsgMinLength = N_("At least {min} characters");
inline constexpr const char* kMsgMaxLength = N_("At most {max} characters");
inline constexpr const char* kMsgClasses =
    N_("At least {min} of these 4: lower-case letter, upper-case letter, digit, other character");
inline constexpr const char* kMsgClassLower = N_("A lower-case letter (a-z)");
inline constexpr const char* kMsgClassUpper = N_("An upper-case letter (A-Z)");
inline constexpr const char* kMsgClassDigit = N_("A digit (0-9)");
inline constexpr const char* kMsgClassOther = N_("Another character (. - * ! ? / …)");
inline constexpr const char* kMsgMaxRepeat = N_("No character more than {max} times in a row");
inline constexpr const char* kMsgUsername = N_("Does not contain your user name");
inline constexpr const char* kMsgNames = N_("Does not contain your name");
inline constexpr const char* kMsgDifferFromOld = N_("Differs from your old password");
inline constexpr const char* kMsgBlocklist = N_("Not a well-known or leaked password");
inline constexpr const char* kMsgEntropy = N_("Hard enough to guess (at least {bits} bits)");
inline constexpr const char* kMsgMatch = N_("Both passwords are the same");

}  // namespace sesam::policy::internal
