// SPDX-License-Identifier: Apache-2.0
// `sesam lookup USER [--json] [--config PATH]`: what a reset for USER would
// do — the entry found and every address the mail would go to, marked own or
// co-account — through the same Directory code the web endpoint runs.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "helpdesk.h"
#include "options.h"
#include "sesam/config.h"
#include "sesam/ldap/directory.h"

namespace sesam::cli {
namespace {

constexpr std::string_view kVerb = "lookup";

void PrintText(const ldap::Account& account, const config::Rate& limit) {
  std::printf("dn: %s\n", account.dn.c_str());
  std::printf("username: %s\n", account.username.c_str());
  std::printf("entryUUID: %s\n", account.id.c_str());
  std::printf("display name: %s\n", account.display_name.c_str());
  std::printf("given name: %s\n", account.given_name.c_str());
  std::printf("surname: %s\n", account.surname.c_str());
  if (account.disabled) {
    std::printf("disabled: yes (%s): a reset mails nobody\n", account.disabled_by.c_str());
  }
  std::printf("limit: %s\n",
              DescribeRounds(account, limit, std::chrono::system_clock::now()).c_str());
  if (account.own_addresses.empty() && account.coaccount_addresses.empty()) {
    std::printf("addresses: none (a reset mail cannot be sent for this account)\n");
    return;
  }
  std::printf("addresses a reset would mail:\n");
  for (const auto& address : account.own_addresses)
    std::printf("  own         %s\n", address.c_str());
  for (const auto& address : account.coaccount_addresses) {
    std::printf("  co-account  %s\n", address.c_str());
  }
}

void PrintJson(const ldap::Account& account, const config::Rate& limit) {
  const web::RoundUsage rounds =
      web::AccountRounds(account, limit, std::chrono::system_clock::now());
  nlohmann::json next = nullptr;
  if (rounds.next) {
    next =
        std::chrono::duration_cast<std::chrono::seconds>(rounds.next->time_since_epoch()).count();
  }
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& address : account.own_addresses) {
    addresses.push_back({{"address", address}, {"kind", "own"}});
  }
  for (const auto& address : account.coaccount_addresses) {
    addresses.push_back({{"address", address}, {"kind", "coaccount"}});
  }
  const nlohmann::json out = {
      {"dn", account.dn},
      {"username", account.username},
      {"id", account.id},
      {"display_name", account.display_name},
      {"given_name", account.given_name},
      {"surname", account.surname},
      {"addresses", addresses},
      {"disabled", account.disabled},
      {"rounds", {{"used", rounds.used}, {"left", rounds.left}, {"next_allowed", next}}},
  };
  // Directory values are UTF-8, but a broken one must not abort the dump.
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

}  // namespace

int RunLookup(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"config", true}, {"json", false}});
  if (!options.error.empty()) return UsageError(kVerb, options.error);
  if (options.positional.size() != 1) return UsageError(kVerb, "expected exactly one USER");
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  Result<config::Config> loaded = config::Load(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "sesam lookup: %s\n", loaded.status().message().c_str());
    return kExitUsage;
  }
  Result<std::unique_ptr<ldap::Directory>> directory =
      ldap::MakeLdapDirectory(loaded->ldap, ldap::OpenHostState(*loaded));
  if (!directory.ok()) {
    std::fprintf(stderr, "sesam lookup: %s\n", directory.status().message().c_str());
    return kExitUsage;
  }
  const std::string& user = options.positional.front();
  Result<ldap::Account> account = (*directory)->FindAccount(user);
  if (!account.ok()) {
    // An admin tool: saying "none" or "several, these" reveals nothing the
    // admin cannot read in the directory already (the web form says neither).
    if (account.status().reason() == ldap::kReasonSeveralAccounts) {
      std::fprintf(stderr,
                   "sesam lookup: several accounts match '%s', so a reset finds none (%s); make "
                   "[ldap] user_filter or base match exactly one\n",
                   user.c_str(), account.status().message().c_str());
    } else if (account.status().code() == StatusCode::kNotFound) {
      std::fprintf(stderr, "sesam lookup: no account matches '%s' ([ldap] user_filter under %s)\n",
                   user.c_str(), loaded->ldap.base.c_str());
    } else {
      std::fprintf(stderr, "sesam lookup: directory error: %s\n",
                   account.status().ToString().c_str());
    }
    return kExitRefused;
  }
  if (options.Has("json")) {
    PrintJson(*account, loaded->web.account_limit);
  } else {
    PrintText(*account, loaded->web.account_limit);
  }
  return kExitOk;
}

}  // namespace sesam::cli
