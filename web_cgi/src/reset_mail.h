// The reset message, one per recipient: greeting, the link as a button and as
// text to copy, and "not you? ignore this, your password still works". A
// co-account's message (parent, substitute teacher) also names the account it
// is about. No message names any other recipient.
#pragma once

#include <string>
#include <string_view>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/web/mail.h"
#include "sesam/web/templates.h"

namespace sesam::web {

enum class Recipient { kOwner, kCoAccount };

class ResetMailComposer {
 public:
  ResetMailComposer(const config::Config& config, const Templates& templates,
                    const i18n::Catalog& catalog, std::string_view language)
      : config_(config), templates_(templates), catalog_(catalog), language_(language) {}

  Result<MailMessage> Compose(const ldap::Account& account, const std::string& address,
                              Recipient recipient, const std::string& link) const;

 private:
  const config::Config& config_;
  const Templates& templates_;
  const i18n::Catalog& catalog_;
  std::string language_;
};

}  // namespace sesam::web
