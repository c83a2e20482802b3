// SPDX-License-Identifier: Apache-2.0
// The reset message, one per recipient: greeting, the link as a button and as
// text to copy, and "not you? ignore this, your password still works". A
// co-account's message (parent, substitute teacher) also names the account it
// is about. No message names any other recipient.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/web/local_time.h"
#include "sesam/web/mail.h"
#include "sesam/web/templates.h"

namespace sesam::web {

enum class Recipient { kOwner, kCoAccount };

// "Jan Selle (jan.selle)", or the username alone when there is no name.
std::string AccountLabel(const ldap::Account& account);

// Whether `address` is one of `addresses` (trimmed, ASCII case folded).
bool SameAddressIn(const std::vector<std::string>& addresses, std::string_view address);

class ResetMailComposer {
 public:
  ResetMailComposer(const config::Config& config, const Templates& templates,
                    const i18n::Catalog& catalog, std::string_view language)
      : config_(config), templates_(templates), catalog_(catalog), language_(language) {}

  // The message to `address` about a request made at `requested_at`.
  Result<MailMessage> Compose(const ldap::Account& account, const std::string& address,
                              Recipient recipient, const std::string& link,
                              std::chrono::system_clock::time_point requested_at) const;

 private:
  const config::Config& config_;
  const Templates& templates_;
  const i18n::Catalog& catalog_;
  std::string language_;
};

}  // namespace sesam::web
