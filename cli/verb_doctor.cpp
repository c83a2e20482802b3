// SPDX-License-Identifier: Apache-2.0
// `sesam doctor [--config PATH] [--user NAME]`: the online counterpart of
// config-test. It loads the file as config-test does, then asks the world:
// the files as the portal's user, the state store, the directory (bind,
// profile, the test account and whether its password may be written) and
// the mail server (EHLO, STARTTLS, AUTH; no mail). One line per check;
// exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2
// for a usage error or a file that does not load.
#include <cstdio>

#include "doctor_checks.h"
#include "doctor_report.h"
#include "options.h"
#include "sesam/config.h"
#include "sesam/config_examples.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"

namespace sesam::cli {
namespace {

constexpr std::string_view kVerb = "doctor";

// The file's diagnostics as config-test reports them. False when it does
// not load (nothing else can be checked); a transport error (a secret in
// clear to another host) is a fail, but the servers can still be asked.
bool CheckConfig(config::LoadReport& report, DoctorReport& doctor) {
  const bool loads = report.ok();
  if (loads) {
    for (auto& diagnostic : config::CheckTransport(report.config)) {
      report.diagnostics.push_back(std::move(diagnostic));
    }
    for (auto& warning : config::ExampleValueWarnings(report.config.path)) {
      report.diagnostics.push_back(std::move(warning));
    }
  }
  unsigned errors = 0;
  for (const auto& diagnostic : report.diagnostics) {
    if (diagnostic.severity == config::Diagnostic::Severity::kError) {
      ++errors;
      doctor.Fail("config", diagnostic.ToString(), "fix the file (`sesam config-test` lists all)");
    } else {
      doctor.Warn("config", diagnostic.ToString());
    }
  }
  if (errors == 0) doctor.Ok("config", report.config.path + " loads");
  return loads;
}

}  // namespace

int RunDoctor(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"config", true}, {"user", true}});
  if (!options.error.empty()) return UsageError(kVerb, options.error);
  if (!options.positional.empty()) return UsageError(kVerb, "unexpected argument");
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  const std::optional<std::string> user = options.Value("user");
  if (user && user->empty()) return UsageError(kVerb, "--user needs a name");

  // The library's info lines (the server profile) say what the report says
  // already; its warnings and errors still reach stderr.
  log::Init("sesam", log::Sink::kStderr, log::Level::kWarning);
  DoctorReport report;
  config::LoadReport loaded = config::LoadFile(path);
  if (!CheckConfig(loaded, report)) {
    report.Finish();
    return kExitUsage;
  }
  const config::Config& config = loaded.config;
  doctor::CheckSecretFiles(config, report);
  doctor::CheckStateStore(config, report);

  Result<std::unique_ptr<ldap::Directory>> directory = ldap::MakeLdapDirectory(config.ldap);
  if (!directory.ok()) {
    report.Fail("bind", directory.status().ToString(), "fix [ldap] as the message says");
  } else if (doctor::CheckBind(config, **directory, report)) {
    doctor::CheckProfile(config, **directory, report);
    doctor::CheckAttributes(config, report);
    if (user) {
      if (auto account = doctor::CheckAccount(config, **directory, *user, report)) {
        doctor::CheckWriteRights(config, *account, report);
        doctor::CheckLookupSpeed(config, **directory, *user, *account, report);
      }
    } else {
      report.Warn("account",
                  "no --user given: the account, its addresses and the right to "
                  "write its password were not checked",
                  "sesam doctor --user NAME (an account that may get a reset)");
    }
  }
  doctor::CheckSmtp(config, report);
  return report.Finish();
}

}  // namespace sesam::cli
