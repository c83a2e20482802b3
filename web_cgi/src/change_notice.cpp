// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/change_notice.h"

#include "audit.h"
#include "reset_mail.h"
#include "sesam/log.h"

namespace sesam::web {
namespace {

std::string_view ViaText(const i18n::Catalog& catalog, ChangeVia via) {
  switch (via) {
    case ChangeVia::kResetLink:
      return catalog.Translate(N_("through the password reset page"));
    case ChangeVia::kHelpdesk:
      return catalog.Translate(N_("by the helpdesk"));
    case ChangeVia::kChangePage:
      return catalog.Translate(N_("through the password change page"));
  }
  return "";
}

std::string_view ViaLog(ChangeVia via) {
  switch (via) {
    case ChangeVia::kResetLink:
      return "reset link";
    case ChangeVia::kHelpdesk:
      return "helpdesk";
    case ChangeVia::kChangePage:
      return "change page";
  }
  return "";
}

}  // namespace

int ChangeNotifier::Notify(const ldap::Account& account, ChangeVia via, std::string_view language,
                           std::chrono::system_clock::time_point when) {
  const config::Config& config = *deps_.config;
  if (config.mail.change_notice == config::ChangeNotice::kOff) return 0;
  const std::vector<std::string> addresses = config.mail.change_notice == config::ChangeNotice::kAll
                                                 ? ldap::AllAddresses(account)
                                                 : account.own_addresses;
  const i18n::Catalog& catalog = deps_.translations->For(language);
  const auto tr = [&catalog](std::string_view msgid) {
    return std::string(catalog.Translate(msgid));
  };
  const std::string school =
      config.web.school_name.empty() ? std::string("Sesam") : config.web.school_name;
  const LocalTime at = FormatLocalTime(when);
  const std::string who = "user '" + LogSafe(account.username) + "'";

  TemplateData data;
  data.set("lang", std::string(language));
  data.set("school", school);
  data.set("greeting", tr(N_("Hello,")));
  data.set("intro",
           i18n::Format(tr(N_("The password of the account {account} was changed on {date} at "
                              "{time} {via}.")),
                        {{"account", AccountLabel(account)},
                         {"date", at.date},
                         {"time", at.time},
                         {"via", std::string(ViaText(catalog, via))}}));
  data.set("expected", tr(N_("If you expected this, there is nothing to do.")));
  data.set("unexpected",
           config.web.helpdesk.empty()
               ? tr(N_("If you did not expect this, contact the helpdesk of the school at once."))
               : i18n::Format(tr(N_("If you did not expect this, contact {helpdesk} at once.")),
                              {{"helpdesk", config.web.helpdesk}}));
  data.set("regards", tr(N_("Kind regards,")));
  auto text = deps_.templates->Render("notice_text", data, Escape::kNone);
  auto html = deps_.templates->Render("notice_html", data);
  if (!text.ok() || !html.ok()) {
    log::Error("change notice for " + who +
               " not composed: " + (text.ok() ? html.status() : text.status()).ToString());
    return 0;
  }

  int queued = 0;
  for (const auto& address : addresses) {
    auto admitted = deps_.recipients->Admit(address, when);
    if (!admitted.ok()) {
      log::Warning("change notice for " + who + " to a recipient at " +
                   LogSafe(MailDomain(address)) + " skipped: " + admitted.status().message());
      continue;
    }
    MailMessage message;
    message.to_address = address;
    if (SameAddressIn(account.own_addresses, address)) message.to_name = account.display_name;
    message.subject = i18n::Format(tr(N_("{school}: the password of {account} was changed")),
                                   {{"school", school}, {"account", account.username}});
    message.language = std::string(language);
    message.text_body = *text;
    message.html_body = *html;
    message.on_done = [recipients = deps_.recipients, address, id = *admitted](bool accepted) {
      if (!accepted) (void)recipients->Release(address, id);
    };
    const Status status = deps_.mailer->Enqueue(std::move(message));
    if (status.ok()) {
      ++queued;
    } else {
      (void)deps_.recipients->Release(address, *admitted);
      log::Error("change notice for " + who + " not queued: " + status.ToString());
    }
  }
  log::Info("change notice for " + who + " (" + std::string(ViaLog(via)) + "): queued " +
            std::to_string(queued) + " of " + std::to_string(addresses.size()) + " address(es)");
  return queued;
}

}  // namespace sesam::web
