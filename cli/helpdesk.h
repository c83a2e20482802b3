// SPDX-License-Identifier: Apache-2.0
// What the helpdesk verbs (send-reset, set-password, limits, lookup) share:
// the mail side of Sesam set up as sesam-fcgi sets it up, and the account's
// limits told in words.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/state_store.h"
#include "sesam/token.h"
#include "sesam/web/change_notice.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_limits.h"
#include "sesam/web/templates.h"

namespace sesam::cli {

// The token key, the state store, the templates and the mailer. The store is
// optional: when it cannot be opened, `store_error` says why and the
// recipient limit cannot count (the helpdesk's mail still goes out).
struct MailSide {
  std::optional<token::Signer> signer;
  std::unique_ptr<state::Store> store;
  Status store_error;
  std::unique_ptr<web::RecipientLimit> recipients;
  std::optional<web::Templates> templates;
  std::unique_ptr<web::Mailer> mailer;
  i18n::Translations translations{i18n::LocaleDir()};

  ~MailSide();
};

// Everything or the first error. `datadir` holds templates/.
Result<std::unique_ptr<MailSide>> OpenMailSide(const config::Config& config,
                                               const std::string& datadir);

// Only the key and the store (no mail): for `sesam limits` and `lookup`.
Result<std::unique_ptr<MailSide>> OpenLimitsSide(const config::Config& config);

// "2 of 3 rounds used in the last 1h; 1 left" or "... 0 left; the next is
// allowed at 2026-12-02 11:15 CET".
std::string DescribeRounds(const ldap::Account& account, const config::Rate& limit,
                           std::chrono::system_clock::time_point now);

// "10m", "1h", "1h30m": a window as the configuration spells it.
std::string DescribeWindow(config::Duration window);

}  // namespace sesam::cli
