// SPDX-License-Identifier: Apache-2.0
#include "helpdesk.h"

#include "sesam/web/local_time.h"

namespace sesam::cli {

MailSide::~MailSide() {
  // The mailer's delivery reports reach the recipient limit and the store:
  // it goes first, after delivering what is queued.
  if (mailer) mailer->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  mailer.reset();
}

Result<std::unique_ptr<MailSide>> OpenLimitsSide(const config::Config& config) {
  auto side = std::make_unique<MailSide>();
  SESAM_ASSIGN_OR_RETURN(token::Signer signer, token::Signer::FromKeyFile(config.token.key_file));
  side->signer.emplace(std::move(signer));
  auto store = state::OpenStore(config.web.state_dir);
  if (store.ok()) {
    side->store = std::move(store).value();
  } else {
    side->store_error = store.status();
  }
  side->recipients = std::make_unique<web::RecipientLimit>(side->store.get(), *side->signer,
                                                           config.web.recipient_limit);
  return side;
}

Result<std::unique_ptr<MailSide>> OpenMailSide(const config::Config& config,
                                               const std::string& datadir) {
  SESAM_ASSIGN_OR_RETURN(auto side, OpenLimitsSide(config));
  SESAM_ASSIGN_OR_RETURN(web::Templates templates, web::Templates::Load(datadir + "/templates"));
  side->templates.emplace(std::move(templates));
  SESAM_ASSIGN_OR_RETURN(side->mailer,
                         web::MakeSmtpMailer(config.mail, web::MailerOptionsFor(config.mail)));
  return side;
}

std::string DescribeWindow(config::Duration window) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(window).count();
  std::string out;
  if (seconds >= 86400) out += std::to_string(seconds / 86400) + "d", seconds %= 86400;
  if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h", seconds %= 3600;
  if (seconds >= 60) out += std::to_string(seconds / 60) + "m", seconds %= 60;
  if (seconds > 0 || out.empty()) out += std::to_string(seconds) + "s";
  return out;
}

std::string DescribeRounds(const ldap::Account& account, const config::Rate& limit,
                           std::chrono::system_clock::time_point now) {
  const web::RoundUsage usage = web::AccountRounds(account, limit, now);
  std::string out =
      std::to_string(usage.used) + " reset round(s) in the last " + DescribeWindow(limit.window);
  if (limit.count == 0) return out + " (no account_limit)";
  out += " of " + std::to_string(limit.count) + " allowed; " + std::to_string(usage.left) + " left";
  if (usage.next) {
    const web::LocalTime at = web::FormatLocalTime(*usage.next);
    out += "; the next is allowed at " + at.date + " " + at.time;
  }
  return out;
}

}  // namespace sesam::cli
