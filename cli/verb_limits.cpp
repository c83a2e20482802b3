// SPDX-License-Identifier: Apache-2.0
// `sesam limits USER [--clear] [--config PATH]`: the helpdesk's view of what
// holds back a reset for USER — the account's reset rounds ([web]
// account_limit, kept in the directory) and each address's messages ([web]
// recipient_limit, kept in the host's state store) — and, with --clear, the
// way out after a stranger used them up. Addresses are shown: this is an
// admin tool, run by someone who may read the directory.
#include <unistd.h>

#include <cstdio>

#include "helpdesk.h"
#include "options.h"
#include "sesam/log.h"
#include "sesam/web/local_time.h"
#include "verbs.h"

namespace sesam::cli {
namespace {

constexpr std::string_view kVerb = "limits";

int Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "sesam limits: %s: %s\n", what, status.ToString().c_str());
  return kExitRefused;
}

}  // namespace

int RunLimits(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"config", true}, {"clear", false}});
  if (!options.error.empty()) return UsageError(kVerb, options.error);
  if (options.positional.size() != 1) return UsageError(kVerb, "expected exactly one USER");
  const std::string& user = options.positional.front();
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  Result<config::Config> loaded = config::Load(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "sesam limits: %s\n", loaded.status().message().c_str());
    return kExitUsage;
  }
  log::Init("sesam", log::Sink::kSyslog);
  auto directory = ldap::MakeLdapDirectory(loaded->ldap, ldap::OpenHostState(*loaded));
  if (!directory.ok()) return Fail("directory", directory.status());
  auto side = OpenLimitsSide(*loaded);
  if (!side.ok()) return Fail("token key", side.status());
  auto account = (*directory)->FindAccount(user);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) {
      std::fprintf(stderr, "sesam limits: no single account '%s'\n", user.c_str());
      return kExitRefused;
    }
    return Fail("directory error", account.status());
  }
  const auto now = std::chrono::system_clock::now();
  const config::WebSection& web = loaded->web;
  web::RecipientLimit& recipients = *(*side)->recipients;

  if (options.Has("clear")) {
    if (Status cleared = (*directory)->ClearResetRounds(*account); !cleared.ok()) {
      return Fail("clearing the account's rounds", cleared);
    }
    int failed = 0;
    for (const auto& address : ldap::AllAddresses(*account)) {
      if (Status cleared = recipients.Clear(address); !cleared.ok()) {
        std::fprintf(stderr, "sesam limits: %s: not cleared: %s\n", address.c_str(),
                     cleared.ToString().c_str());
        ++failed;
      }
    }
    log::Info("limits of user '" + account->username + "' cleared by uid " +
              std::to_string(::getuid()));
    std::printf("cleared the reset rounds of %s and the counts of its %zu address(es)\n",
                account->username.c_str(), ldap::AllAddresses(*account).size());
    if (failed > 0) return kExitRefused;
    auto reread = (*directory)->FindAccount(user);
    if (reread.ok()) account = std::move(reread);
  }

  std::printf("account %s: %s\n", account->username.c_str(),
              DescribeRounds(*account, web.account_limit, now).c_str());
  if (!(*side)->store_error.ok()) {
    std::printf("recipients: cannot be counted: %s\n", (*side)->store_error.ToString().c_str());
    return kExitRefused;
  }
  for (const auto& address : ldap::AllAddresses(*account)) {
    auto usage = recipients.Peek(address, now);
    if (!usage.ok()) return Fail(address.c_str(), usage.status());
    std::printf("  %s: %u of %u message(s) in the last %s", address.c_str(), usage->used,
                web.recipient_limit.count, DescribeWindow(web.recipient_limit.window).c_str());
    if (usage->next) {
      const web::LocalTime at = web::FormatLocalTime(*usage->next);
      std::printf("; skipped until %s %s", at.date.c_str(), at.time.c_str());
    }
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace sesam::cli
