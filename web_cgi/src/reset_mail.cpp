// SPDX-License-Identifier: Apache-2.0
#include "reset_mail.h"

#include "sesam/web/reset_flow.h"

namespace sesam::web {
namespace {

std::string FirstName(const ldap::Account& account) {
  if (!account.given_name.empty()) return account.given_name;
  if (!account.display_name.empty()) return account.display_name;
  return account.username;
}

}  // namespace

std::string AccountLabel(const ldap::Account& account) {
  return account.display_name.empty() ? account.username
                                      : account.display_name + " (" + account.username + ")";
}

bool SameAddressIn(const std::vector<std::string>& addresses, std::string_view address) {
  for (const auto& known : addresses) {
    if (SameAddress(address, known)) return true;
  }
  return false;
}

Result<MailMessage> ResetMailComposer::Compose(
    const ldap::Account& account, const std::string& address, Recipient recipient,
    const std::string& link, std::chrono::system_clock::time_point requested_at) const {
  const auto tr = [this](std::string_view msgid) { return std::string(catalog_.Translate(msgid)); };
  const std::string school =
      config_.web.school_name.empty() ? std::string("Sesam") : config_.web.school_name;
  const auto minutes = std::to_string(
      std::chrono::duration_cast<std::chrono::minutes>(config_.token.lifetime).count());
  const std::string about = AccountLabel(account);
  const LocalTime at = FormatLocalTime(requested_at);

  TemplateData data;
  data.set("lang", language_);
  data.set("school", school);
  data.set("link", link);
  if (recipient == Recipient::kOwner) {
    data.set("greeting", i18n::Format(tr(N_("Dear {name},")), {{"name", FirstName(account)}}));
    data.set("intro",
             i18n::Format(tr(N_("On {date} at {time} someone asked for a new password for your "
                                "account {account}. That may have been you, or someone else.")),
                          {{"date", at.date}, {"time", at.time}, {"account", account.username}}));
  } else {
    data.set("greeting", tr(N_("Hello,")));
    data.set("intro",
             i18n::Format(tr(N_("On {date} at {time} someone asked for a new password for the "
                                "account {account}. That may not have been its owner. Your e-mail "
                                "address is known for that account, so you receive this message "
                                "too.")),
                          {{"date", at.date}, {"time", at.time}, {"account", about}}));
  }
  data.set("button", tr(N_("Click here to choose a new password.")));
  data.set("copy_hint", tr(N_("If the button does not work, copy this link into your browser:")));
  data.set("validity", i18n::Format(tr(N_("The link works once, for {minutes} minutes.")),
                                    {{"minutes", minutes}}));
  data.set("ignore", tr(N_("Did you not ask for this? Then ignore this e-mail: your current "
                           "password still works.")));
  data.set("regards", tr(N_("Kind regards,")));

  MailMessage message;
  message.to_address = address;
  if (recipient == Recipient::kOwner) message.to_name = account.display_name;
  message.subject = i18n::Format(tr(N_("{school}: choose a new password")), {{"school", school}});
  message.language = language_;
  SESAM_ASSIGN_OR_RETURN(message.text_body, templates_.Render("mail_text", data, Escape::kNone));
  SESAM_ASSIGN_OR_RETURN(message.html_body, templates_.Render("mail_html", data));
  return message;
}

}  // namespace sesam::web
