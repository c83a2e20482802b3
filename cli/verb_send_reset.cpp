// `sesam send-reset [--config PATH] [--lang LANG] [--datadir DIR] USER`: the
// helpdesk sends the same reset messages the web form would, to every known
// address of USER (own and co-accounts). It counts against [web]
// account_limit like a request from the form, so links from the form and
// from the helpdesk stay one round at a time.
#include <cstdio>

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
  auto signer = token::Signer::FromKeyFile(config->token.key_file);
  if (!signer.ok()) return Refused(signer.status().ToString());
  auto templates = web::Templates::Load(
      options.Value("datadir").value_or(std::string(SESAM_DATADIR)) + "/templates");
  if (!templates.ok()) return Refused(templates.status().ToString());
  auto directory = ldap::MakeLdapDirectory(config->ldap);
  if (!directory.ok()) return Refused(directory.status().ToString());
  auto mailer = web::MakeSmtpMailer(config->mail);
  if (!mailer.ok()) return Refused(mailer.status().ToString());
  i18n::Translations translations(i18n::LocaleDir());

  auto account = (*directory)->FindAccount(username);
  if (!account.ok()) {
    return Refused(account.status().code() == StatusCode::kNotFound
                       ? "no single account is called '" + username + "'"
                       : account.status().ToString());
  }
  web::ResetFlow flow(web::ResetFlowDeps{&*config, directory->get(), mailer->get(), &*signer,
                                         &translations, &*templates});
  auto sent = flow.SendLinks(*account, language);
  (*mailer)->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (!sent.ok()) {
    log::Info("helpdesk reset for user '" + username + "' refused: " + sent.status().message());
    return Refused(sent.status().code() == StatusCode::kResourceExhausted
                       ? "the account reached [web] account_limit; try again later"
                       : sent.status().message());
  }
  log::Info("helpdesk reset for user '" + username + "': mailed " + std::to_string(*sent) +
            " address(es)");
  std::printf("sesam: sent a reset link to %d address(es) of %s\n", *sent, username.c_str());
  return *sent > 0 ? kExitOk : kExitRefused;
}

}  // namespace sesam::cli
