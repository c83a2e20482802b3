// SPDX-License-Identifier: Apache-2.0
// `sesam set-password USER [--config PATH]`: the helpdesk sets a new password
// for USER. The password is read from stdin (asked twice, without echo, on a
// terminal), checked against the same policy as the PAM module and the web
// form, and written through the same Directory code as a reset link: the
// directory's own password policy applies, and a password changed meanwhile by
// someone else is not overwritten.
// Exit 0 written; 1 refused (policy, directory) or not found; 2 usage/config.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "helpdesk.h"
#include "options.h"
#include "password_input.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/ldap/refusal_text.h"
#include "sesam/log.h"
#include "sesam/policy.h"

namespace sesam::cli {
namespace {

constexpr std::string_view kVerb = "set-password";

int Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "sesam set-password: %s: %s\n", what, status.message().c_str());
  return kExitRefused;
}

// A refusal by the directory's password policy, in words for the helpdesk
// (in its language), or "" when the reason has none.
std::string DirectoryRefusal(const Status& status, const i18n::Catalog& catalog) {
  const std::string_view msgid =
      ldap::RefusalText(status.reason(), ldap::RefusalAudience::kHelpdesk);
  return msgid.empty() ? std::string() : std::string(catalog.Translate(msgid));
}

// The new password: one line from a pipe, or typed twice on a terminal.
Result<SecretString> ReadNewPassword() {
  LineReader reader;
  SecretString password;
  if (!::isatty(STDIN_FILENO)) {
    if (!reader.Next(password)) return InvalidArgumentError("no password on stdin");
    return password;
  }
  SecretString again;
  {
    NoEcho no_echo;
    std::fputs("New password: ", stderr);
    reader.Next(password);
  }
  {
    NoEcho no_echo;
    std::fputs("Retype new password: ", stderr);
    reader.Next(again);
  }
  if (!password.Equals(again.view())) return InvalidArgumentError("the passwords do not match");
  return password;
}

}  // namespace

int RunSetPassword(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"config", true}, {"datadir", true}});
  if (!options.error.empty()) return UsageError(kVerb, options.error);
  if (options.positional.size() != 1) return UsageError(kVerb, "expected exactly one USER");
  const std::string& user = options.positional.front();
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  Result<config::Config> loaded = config::Load(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "sesam set-password: %s\n", loaded.status().message().c_str());
    return kExitUsage;
  }
  if (Status clear = config::ErrorsToStatus(config::CheckTransport(*loaded)); !clear.ok()) {
    std::fprintf(stderr, "sesam set-password: %s\n", clear.message().c_str());
    return kExitUsage;
  }
  Result<policy::Policy> created = policy::Policy::Create(loaded->policy);
  if (!created.ok()) {
    std::fprintf(stderr, "sesam set-password: %s\n", created.status().message().c_str());
    return kExitUsage;
  }
  const policy::Policy& engine = *created;
  Result<std::unique_ptr<ldap::Directory>> directory =
      ldap::MakeLdapDirectory(loaded->ldap, ldap::OpenHostState(*loaded));
  if (!directory.ok()) {
    std::fprintf(stderr, "sesam set-password: %s\n", directory.status().message().c_str());
    return kExitUsage;
  }
  log::Init("sesam", log::Sink::kSyslog);
  // The change notice needs the mail side; without it the helpdesk can still
  // set the password, and is told that nobody was told.
  auto mail = OpenMailSide(*loaded, options.Value("datadir").value_or(std::string(SESAM_DATADIR)));

  Result<ldap::Account> account = (*directory)->FindAccount(user);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) {
      std::fprintf(stderr, "sesam set-password: no single account '%s'\n", user.c_str());
      return kExitRefused;
    }
    return Fail("directory error", account.status());
  }
  Result<SecretString> password = ReadNewPassword();
  if (!password.ok()) return Fail("refused", password.status());

  i18n::Translations translations(i18n::LocaleDir());
  policy::Context context;
  context.username = account->username;
  for (const std::string* name : {&account->given_name, &account->surname}) {
    if (!name->empty()) context.names.push_back(*name);
  }
  const policy::Verdict verdict =
      engine.Check(password->view(), context, translations.For(i18n::LanguageFromEnvironment()));
  if (!verdict.accepted) {
    PrintVerdict(verdict);
    return kExitRefused;
  }

  const Status written = (*directory)->SetPassword(*account, *password, account->password_state);
  if (written.reason() == ldap::kPasswordUnconfirmed) {
    // The write went out and its answer was lost: it may or may not be in place.
    log::Warning("set-password: password of '" + account->username +
                 "' possibly changed, not confirmed: " + written.ToString());
    std::fprintf(stderr,
                 "sesam set-password: the directory did not confirm the change (%s); check "
                 "with a login, or run the command again\n",
                 written.message().c_str());
    return kExitRefused;
  }
  if (!written.ok()) {
    log::Warning("set-password: password of '" + account->username +
                 "' not changed: " + written.ToString());
    if (const std::string refusal =
            DirectoryRefusal(written, translations.For(i18n::LanguageFromEnvironment()));
        !refusal.empty()) {
      std::fprintf(stderr, "sesam set-password: %s (%s)\n", refusal.c_str(),
                   written.message().c_str());
      return kExitRefused;
    }
    return Fail("directory error", written);
  }
  log::Info("set-password: password of '" + account->username + "' (" + account->dn +
            ") changed by uid " + std::to_string(::getuid()));
  std::printf("password of %s changed\n", account->username.c_str());
  if (!mail.ok()) {
    std::fprintf(stderr, "sesam set-password: warning: no change notice sent: %s\n",
                 mail.status().ToString().c_str());
    log::Warning("set-password: no change notice for '" + account->username +
                 "': " + mail.status().ToString());
    return kExitOk;
  }
  web::ChangeNotifier notifier(web::ChangeNotifierDeps{&*loaded, (*mail)->mailer.get(),
                                                       &(*mail)->translations, &*(*mail)->templates,
                                                       (*mail)->recipients.get()});
  const int notified =
      notifier.Notify(*account, web::ChangeVia::kHelpdesk, loaded->web.default_language,
                      std::chrono::system_clock::now());
  std::printf("change notice queued for %d address(es)\n", notified);
  return kExitOk;
}

}  // namespace sesam::cli
