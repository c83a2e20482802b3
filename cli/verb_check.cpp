// SPDX-License-Identifier: Apache-2.0
// `sesam check [--user NAME] [--names LIST] [--config PATH] [--json] [--batch]`:
// runs the password policy — the same engine as pam_sesam.so and the web form —
// on a password read from stdin (no echo on a terminal). Exit 0 accepted,
// 1 refused, 2 usage or configuration error. --batch: one password per line,
// one verdict line each (exit 1 when any is refused).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "options.h"
#include "password_input.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/policy.h"
#include "sesam/secret_string.h"

namespace sesam::cli {
namespace {

nlohmann::json VerdictJson(const policy::Verdict& verdict) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : verdict.rules) {
    rules.push_back({{"id", rule.id},
                     {"passed", rule.passed},
                     {"informational", rule.informational},
                     {"message", rule.message}});
  }
  return {{"accepted", verdict.accepted}, {"rules", std::move(rules)}};
}

// "accepted" or "refused: min_length,classes" (non-informational failures).
void PrintBatchLine(const policy::Verdict& verdict, std::string& out) {
  if (verdict.accepted) {
    out += "accepted\n";
    return;
  }
  out += "refused:";
  char separator = ' ';
  for (const auto& rule : verdict.rules) {
    if (rule.passed || rule.informational) continue;
    out += separator;
    out += rule.id;
    separator = ',';
  }
  out += '\n';
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) names.push_back(std::move(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

}  // namespace

int RunCheck(Args args) {
  const ParsedOptions options = ParseOptions(
      args, {{"user", true}, {"names", true}, {"config", true}, {"json", false}, {"batch", false}});
  if (!options.error.empty()) return UsageError("check", options.error);
  if (!options.positional.empty()) {
    return UsageError("check", "the password is read from stdin, not from the command line");
  }
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  // Like the PAM module: only [policy] matters here, secret files are not needed.
  auto loaded = config::Load(path, config::FileChecks::kNo);
  if (!loaded.ok()) {
    std::fprintf(stderr, "sesam check: %s\n", loaded.status().message().c_str());
    return kExitUsage;
  }
  auto created = policy::Policy::Create(loaded->policy);
  if (!created.ok()) {
    std::fprintf(stderr, "sesam check: %s\n", created.status().message().c_str());
    return kExitUsage;
  }
  const policy::Policy& engine = *created;
  for (const auto& warning : engine.warnings())
    std::fprintf(stderr, "sesam check: %s\n", warning.c_str());

  i18n::Translations translations(i18n::LocaleDir());
  const i18n::Catalog& catalog = translations.For(i18n::LanguageFromEnvironment());
  const std::string username = options.Value("user").value_or("");
  policy::Context context;
  context.username = username;
  context.names = SplitNames(options.Value("names").value_or(""));
  const bool json = options.Has("json");

  LineReader reader;
  SecretString password;
  if (options.Has("batch")) {
    std::string out;
    bool all_accepted = true;
    while (reader.Next(password)) {
      const policy::Verdict verdict = engine.Check(password.view(), context, catalog);
      all_accepted = all_accepted && verdict.accepted;
      if (json) {
        out += VerdictJson(verdict).dump();
        out += '\n';
      } else {
        PrintBatchLine(verdict, out);
      }
      if (out.size() > (1 << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return all_accepted ? kExitOk : kExitRefused;
  }

  {
    NoEcho no_echo;
    if (::isatty(STDIN_FILENO)) std::fputs("Password: ", stderr);
    reader.Next(password);
  }
  const policy::Verdict verdict = engine.Check(password.view(), context, catalog);
  if (json) {
    std::printf("%s\n", VerdictJson(verdict).dump().c_str());
  } else {
    PrintVerdict(verdict);
  }
  return verdict.accepted ? kExitOk : kExitRefused;
}

}  // namespace sesam::cli
