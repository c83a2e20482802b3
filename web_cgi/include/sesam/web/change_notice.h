// SPDX-License-Identifier: Apache-2.0
// "The password of jan.selle was changed": after every change Sesam makes (a
// reset link, the helpdesk's set-password, the change page), each address of
// the account gets a short notice without a link, one message per recipient,
// so that a change nobody expected is noticed by someone who can act on it.
//
// [mail] change_notice decides who hears of it: all (own and co-account
// addresses), own (the account's own only, e.g. for adult pupils), off.
// Every notice counts against [web] recipient_limit; a recipient at its cap is
// skipped (and logged), the others still get theirs.
//
// Threading: Notify may run on several threads at once.
#pragma once

#include <chrono>
#include <string_view>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_limits.h"
#include "sesam/web/templates.h"

namespace sesam::web {

// Through which path the password was changed, as the notice tells it.
enum class ChangeVia { kResetLink, kHelpdesk, kChangePage };

struct ChangeNotifierDeps {
  const config::Config* config = nullptr;
  Mailer* mailer = nullptr;
  i18n::Translations* translations = nullptr;
  const Templates* templates = nullptr;
  RecipientLimit* recipients = nullptr;
};

class ChangeNotifier {
 public:
  explicit ChangeNotifier(ChangeNotifierDeps deps) : deps_(deps) {}

  // Queues the notices for a change of `account`'s password made at `when`.
  // Returns how many were queued. A failure never undoes or hides the change:
  // it is logged (recipient domain and reason, never the local part).
  int Notify(const ldap::Account& account, ChangeVia via, std::string_view language,
             std::chrono::system_clock::time_point when);

 private:
  ChangeNotifierDeps deps_;
};

}  // namespace sesam::web
