// SPDX-License-Identifier: Apache-2.0
// What the two forms that choose a password share (the reset link's form in
// otp_pages.cpp, the change page in change_page.cpp): the rule list with its
// check marks, the repeat mark, and the words for the directory's refusals.
// The fields themselves are the template partial password_fields.mustache,
// filled by App::Impl::PasswordFields.
#pragma once

#include <string>
#include <string_view>

#include "app_impl.h"
#include "sesam/ldap/directory.h"
#include "sesam/policy.h"

namespace sesam::web {

// The names the policy must not find in the password.
policy::Context PolicyContext(const ldap::Account& account);

enum class Mark { kTodo, kOk, kFail, kOptional };

// One check mark: a symbol for the eye, a word for screen readers, a class
// for the colour (static/sesam.js updates the same three).
TemplateData MarkData(const PageContext& context, Mark mark);

// Rule messages from the policy, the class_* marks nested under "classes".
TemplateData RuleList(const PageContext& context, const policy::Verdict& verdict, bool judged);

// The visitor's words for a refusal by the directory's own policy (the
// "ppolicy.*" reasons of Directory::SetPassword and ChangePassword): Sesam's
// rules were met, and the directory still said no.
std::string_view PpolicyText(const PageContext& context, const std::string& reason);

// The ids of the rules `verdict` failed, and "match" when the repeat
// differed: for the log line.
std::string FailedRules(const policy::Verdict& verdict, bool repeated);

}  // namespace sesam::web
