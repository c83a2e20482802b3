// SPDX-License-Identifier: Apache-2.0
// `sesam send-reset [--config PATH] [--lang LANG] [--datadir DIR] USER`: the
// helpdesk sends the same reset messages the web form would, to every known
// address of USER (own and co-accounts). It is the helpdesk's override when a
// stranger used up the account's rounds: it ignores [web] account_limit (the
// log says so) but its round is recorded, and every recipient still counts
// against [web] recipient_limit. When the state store cannot count, the
// messages still go out, and the log and the output say they were not counted.
#include <cstdio>

#include "helpdesk.h"
#include "options.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"
#include "sesam/token.h"
#include "sesam/web/mail.h"
#include "sesam/web/reset_flow.h"
#include "sesam/web/templates.h"

namespace sesam::cli {
namespace {

int Refused(const std::string& message) {
  std::fprintf(stderr, "sesam send-reset: %s\n", message.c_str());
  return kExitRefused;
}

}  // namespace

int RunSendReset(Args args) {
  const ParsedOptions options =
      ParseOptions(args, {{"config", true}, {"lang", true}, {"datadir", true}});
  if (!options.error.empty()) return UsageError("send-reset", options.error);
  if (options.positional.size() != 1) return UsageError("send-reset", "expected one USER");
  const std::string& username = options.positional[0];
  log::Init("sesam", log::Sink::kSyslogAndStderr);

  auto config = config::Load(options.Value("config").value_or(std::string(config::DefaultPath())));
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return kExitUsage;
  }
  if (Status clear = config::ErrorsToStatus(config::CheckTransport(*config)); !clear.ok()) {
    std::fprintf(stderr, "%s\n", clear.message().c_str());
    return kExitUsage;
  }
  const std::string language = options.Value("lang").value_or(config->web.default_language);
  if (config->web.base_url.empty()) return Refused("[web] base_url is not set");
  auto side = OpenMailSide(*config, options.Value("datadir").value_or(std::string(SESAM_DATADIR)));
  if (!side.ok()) return Refused(side.status().ToString());
  auto directory = ldap::MakeLdapDirectory(config->ldap, ldap::OpenHostState(*config));
  if (!directory.ok()) return Refused(directory.status().ToString());

  auto account = (*directory)->FindAccount(username);
  if (!account.ok()) {
    return Refused(account.status().code() == StatusCode::kNotFound
                       ? "no single account is called '" + username + "'"
                       : account.status().ToString());
  }
  MailSide& mail = **side;
  if (!mail.store_error.ok()) {
    log::Warning("helpdesk reset for user '" + username +
                 "': the state store cannot count recipients: " + mail.store_error.ToString());
  }
  web::ResetFlowDeps deps{&*config,      directory->get(),   mail.mailer.get(),
                          &*mail.signer, &mail.translations, &*mail.templates};
  deps.recipients = mail.recipients.get();
  web::ResetFlow flow(std::move(deps));
  auto sent = flow.SendLinks(*account, language, web::AccountLimit::kIgnore);
  // Deliver before the directory goes: a round whose messages all fail is
  // taken back through it.
  mail.mailer->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (!sent.ok()) {
    log::Info("helpdesk reset for user '" + username + "' refused: " + sent.status().message());
    return Refused(sent.status().message());
  }
  log::Info("helpdesk reset for user '" + username + "': mailed " + std::to_string(sent->queued) +
            " address(es), " + std::to_string(sent->skipped) +
            " skipped at recipient_limit; account_limit ignored (helpdesk override)");
  std::printf("sesam: sent a reset link to %d address(es) of %s\n", sent->queued, username.c_str());
  if (sent->skipped > 0) {
    std::printf(
        "sesam: %d address(es) skipped: they reached [web] recipient_limit "
        "(see: sesam limits %s)\n",
        sent->skipped, username.c_str());
  }
  if (!sent->counted) {
    std::printf("sesam: warning: the messages were not counted: %s\n",
                mail.store_error.ToString().c_str());
  }
  return sent->queued > 0 ? kExitOk : kExitRefused;
}

}  // namespace sesam::cli
