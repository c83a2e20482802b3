// SPDX-License-Identifier: Apache-2.0
#include "chauthtok.h"

#include <security/_pam_types.h>

#include <string>

#include "arguments.h"
#include "messages.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/policy.h"

namespace sesam::pam {
namespace {

struct Loaded {
  Arguments arguments;
  policy::Policy policy;
};

// Arguments, config file (without its secret-file checks: a login must not
// depend on the LDAP bind secret), overrides, policy. Every failure is logged
// naming its cause; the caller refuses the change with PAM_SERVICE_ERR.
Result<Loaded> Load(Host& host, std::span<const char* const> argv) {
  auto arguments = ParseArguments(argv);
  if (!arguments.ok()) {
    host.Log(LogLevel::kError, arguments.status().message() + ": refusing password changes");
    return arguments.status();
  }
  auto config = config::Load(arguments->config_path, config::FileChecks::kNo);
  if (!config.ok()) {
    host.Log(LogLevel::kError,
             "cannot load " + arguments->config_path + ": " + config.status().message());
    return config.status();
  }
  if (Status status = ApplyOverrides(*arguments, *config); !status.ok()) {
    host.Log(LogLevel::kError, status.message() + ": refusing password changes");
    return status;
  }
  auto created = policy::Policy::Create(config->policy);
  if (!created.ok()) {
    host.Log(LogLevel::kError, created.status().message() + ": refusing password changes");
    return created.status();
  }
  for (const auto& warning : created->warnings()) host.Log(LogLevel::kWarning, warning);
  return Loaded{std::move(arguments).value(), std::move(created).value()};
}

class Changer {
 public:
  Changer(Host& host, const Loaded& loaded, const i18n::Catalog& catalog)
      : host_(host), loaded_(loaded), catalog_(catalog) {}

  int Run() {
    auto user = host_.User();
    if (!user.ok()) {
      host_.Log(LogLevel::kError, "cannot get the user name: " + user.status().message());
      return PAM_USER_UNKNOWN;
    }
    username_ = std::move(user).value();
    context_.username = username_;
    context_.names = host_.Names(username_);
    old_password_ = host_.OldAuthtok();
    if (old_password_.has_value()) context_.old_password = &*old_password_;
    // Root setting someone's password (passwd USER) may override the policy,
    // as with pam_pwquality. A forced change of an expired password is not
    // root's choice even though login, sshd and display managers run as root:
    // the user types the password, so the policy holds (pam_pwquality and
    // pam_unix make the same exception for PAM_CHANGE_EXPIRED_AUTHTOK).
    warn_only_ = host_.CallerIsRoot() && !host_.ChangingExpiredAuthtok() &&
                 loaded_.arguments.enforce_for_root == EnforceForRoot::kNo;
    return loaded_.arguments.use_authtok == UseAuthtok::kYes ? UseGivenAuthtok() : AskAndCheck();
  }

 private:
  std::string Tr(const char* msgid) const { return std::string(catalog_.Translate(msgid)); }

  // Shows the failed rules; true when the password may still be used.
  bool Judge(const SecretString& password) {
    const policy::Verdict verdict = loaded_.policy.Check(password.view(), context_, catalog_);
    if (verdict.accepted) return true;
    host_.ShowError(Tr(kMsgRefused));
    std::string failed;
    for (const auto& rule : verdict.rules) {
      if (rule.passed || rule.informational) continue;
      host_.ShowError("  ✗ " + rule.message);
      failed += failed.empty() ? rule.id : "," + rule.id;
    }
    if (loaded_.arguments.debug) {
      host_.Log(LogLevel::kDebug, "password for " + username_ + " fails: " + failed);
    }
    if (warn_only_) {
      host_.ShowInfo(Tr(kMsgRootOverride));
      host_.Log(LogLevel::kInfo, "root set a password for " + username_ + " that fails: " + failed);
      return true;
    }
    return false;
  }

  int Accept(const SecretString& password) {
    if (Status status = host_.SetNewAuthtok(password); !status.ok()) {
      host_.Log(LogLevel::kError, "cannot set PAM_AUTHTOK: " + status.message());
      return PAM_AUTHTOK_ERR;
    }
    return PAM_SUCCESS;
  }

  int UseGivenAuthtok() {
    std::optional<SecretString> given = host_.NewAuthtok();
    if (!given.has_value()) {
      host_.ShowError(Tr(kMsgNoAuthtok));
      host_.Log(LogLevel::kError, "use_authtok: no PAM_AUTHTOK from an earlier module");
      return PAM_AUTHTOK_ERR;
    }
    return Judge(*given) ? PAM_SUCCESS : PAM_AUTHTOK_ERR;
  }

  int AskAndCheck() {
    const unsigned tries = loaded_.arguments.retry;
    for (unsigned attempt = 1; attempt <= tries; ++attempt) {
      auto first = host_.PromptHidden(Tr(kMsgNewPassword));
      if (!first.ok()) return ConversationFailed(first.status());
      if (Judge(*first)) {
        auto second = host_.PromptHidden(Tr(kMsgRetypePassword));
        if (!second.ok()) return ConversationFailed(second.status());
        if (first->size() == second->size() && first->Equals(second->view())) return Accept(*first);
        // Never a silent lost try: say why, and how many are left.
        host_.ShowError(Tr(kMsgMismatch));
      }
      if (attempt < tries) {
        const std::string left = std::to_string(tries - attempt);
        host_.ShowError(i18n::Format(catalog_.Translate(kMsgTriesLeft), {{"left", left}}));
      }
    }
    host_.ShowError(Tr(kMsgTooManyTries));
    host_.Log(LogLevel::kInfo, "password for " + username_ + " not changed after " +
                                   std::to_string(tries) + " tries");
    return PAM_AUTHTOK_ERR;
  }

  int ConversationFailed(const Status& status) {
    host_.Log(LogLevel::kError, "conversation failed: " + status.message());
    return PAM_CONV_ERR;
  }

  Host& host_;
  const Loaded& loaded_;
  const i18n::Catalog& catalog_;
  std::string username_;
  policy::Context context_;
  std::optional<SecretString> old_password_;
  bool warn_only_ = false;
};

}  // namespace

int ChangeAuthtok(Host& host, Phase phase, std::span<const char* const> argv) {
  auto loaded = Load(host, argv);
  i18n::Catalog english;
  auto localized = i18n::Catalog::Load(i18n::LocaleDir(), i18n::LanguageFromEnvironment());
  const i18n::Catalog& catalog = localized.ok() ? *localized : english;
  if (!loaded.ok()) {
    // The user learns that the change cannot happen, and why (a file name,
    // never a secret); the admin finds the same in the log. Said in the
    // first phase already: Linux-PAM stops there, before any prompt.
    host.ShowError(
        i18n::Format(catalog.Translate(kMsgPolicyBroken), {{"reason", loaded.status().message()}}));
    return PAM_SERVICE_ERR;
  }
  if (phase == Phase::kPrelimCheck) return PAM_SUCCESS;
  return Changer(host, *loaded, catalog).Run();
}

}  // namespace sesam::pam
