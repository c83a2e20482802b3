// SPDX-License-Identifier: Apache-2.0
// Words for a password the directory's own rules refused (the "ppolicy.*"
// reasons of Directory::SetPassword, kReasonPolicy* in directory.h), one
// table for the web form (the visitor) and `sesam set-password` (the
// helpdesk). The texts are gettext msgids (English); the caller translates
// them with its catalog (sesam/i18n.h). Their nl and fr translations live in
// po/ldap/. Header-only: sesam::web uses it without the LDAP library.
#pragma once

#include <string_view>

#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"

namespace sesam::ldap {

enum class RefusalAudience { kVisitor, kHelpdesk };

// The msgid for `reason`; for a reason not in the table, the visitor gets a
// general text and the helpdesk an empty view (the caller then prints the
// directory's own message).
constexpr std::string_view RefusalText(std::string_view reason, RefusalAudience audience) {
  const bool visitor = audience == RefusalAudience::kVisitor;
  if (reason == kReasonPolicyInHistory) {
    return visitor ? N_("You used this password before. Choose another one.")
                   : N_("the directory refuses a password used before");
  }
  if (reason == kReasonPolicyTooYoung) {
    return visitor ? N_("Your password was changed very recently. Please try again later.")
                   : N_("the password was changed too recently to change again");
  }
  if (reason == kReasonPolicyTooShort) {
    return visitor ? N_("The directory finds this password too short. Choose a longer one.")
                   : N_("the directory finds the password too short");
  }
  if (reason == kReasonPolicyQuality) {
    return visitor ? N_("The directory finds this password too weak. Choose another one.")
                   : N_("the directory finds the password too weak");
  }
  if (reason == kReasonPolicyComplexity) {
    return visitor ? N_("The directory wants three kinds of characters (capital letters, small "
                        "letters, digits, other characters) and not your name. Choose another "
                        "password.")
                   : N_("the directory wants three kinds of characters (capitals, small "
                        "letters, digits, others) and not the account's name");
  }
  if (reason == kReasonPolicyDirectoryRules) {
    return visitor ? N_("This password does not meet the directory's password rules (length, "
                        "kinds of characters, or a password used before). Choose another one.")
                   : N_("the directory's password rules refuse it (length, complexity, history "
                        "or minimum age: Active Directory does not say which)");
  }
  if (reason == kPasswordStateChanged && !visitor) {
    return N_("the password was changed meanwhile; try again");
  }
  return visitor ? N_("The directory refused this password. Choose another one.") : "";
}

}  // namespace sesam::ldap
