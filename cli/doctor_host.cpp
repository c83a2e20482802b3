// SPDX-License-Identifier: Apache-2.0
// The checks of `sesam doctor` that concern this host and the mail server:
// the files sesam-fcgi reads, the state store, SMTP.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "doctor_checks.h"
#include "install_checks.h"
#include "sesam/posix.h"
#include "sesam/state_store.h"
#include "sesam/web/smtp_probe.h"

namespace sesam::cli::doctor {
namespace {

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) {
    if (out.find(key) != std::string::npos) continue;  // tls_ca_file may come twice
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

}  // namespace

void CheckSecretFiles(const config::Config& config, DoctorReport& report) {
  constexpr std::string_view kCheck = "files";
  const ServiceUserFiles files = CheckFilesAsServiceUser(config);
  using Outcome = ServiceUserFiles::Outcome;
  switch (files.outcome) {
    case Outcome::kNoUnit:
      report.Warn(kCheck,
                  "sesam-fcgi.service is not installed here (or has no User=): the files were "
                  "not checked as the portal's user",
                  "run sesam doctor on the portal's host");
      return;
    case Outcome::kNotRoot:
      report.Warn(kCheck,
                  "not run as root: could not open the files as '" + files.user +
                      "', the user of sesam-fcgi.service",
                  "run sesam doctor as root");
      return;
    case Outcome::kUnknownUser:
    case Outcome::kCouldNotCheck:
      for (const auto& problem : files.problems) {
        report.Warn(kCheck, problem.message,
                    "check User= and Group= of sesam-fcgi.service (systemctl cat sesam-fcgi)");
      }
      return;
    case Outcome::kChecked:
      break;
  }
  for (const auto& problem : files.problems) {
    // The message ends in "e.g. chown USER FILE": the fix gets its own line.
    const std::size_t example = problem.message.rfind("; e.g. ");
    report.Fail(kCheck, problem.message.substr(0, example),
                example == std::string::npos ? "make the file readable by '" + files.user + "'"
                                             : problem.message.substr(example + 7));
  }
  if (files.problems.empty()) {
    report.Ok(kCheck,
              "'" + files.user + "' (sesam-fcgi.service) can read " +
                  (files.files.empty() ? std::string("every file named") : JoinKeys(files.files)));
  }
}

void CheckStateStore(const config::Config& config, DoctorReport& report) {
  constexpr std::string_view kCheck = "state store";
  const std::string& dir = config.web.state_dir;
  const std::string service = [] {
    const auto identity = FindServiceIdentity();
    return identity && !identity->user.empty() ? identity->user : std::string("sesam");
  }();
  const std::string make = "install -d -o " + service + " -m 0700 " + dir +
                           " (sesam-fcgi.service's StateDirectory=sesam creates it at start)";
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    const int error = errno;
    report.Fail(kCheck, "[web] state_dir " + dir + ": " + ErrnoText(error),
                error == ENOENT ? make : "make " + dir + " reachable for " + service);
    return;
  }
  if (!S_ISDIR(info.st_mode)) {
    report.Fail(kCheck, "[web] state_dir " + dir + " is not a directory", make);
    return;
  }
  if (::geteuid() != 0 && ::geteuid() != info.st_uid) {
    report.Warn(kCheck, "not run as root: could not open " + dir + " as its owner",
                "run sesam doctor as root");
    return;
  }
  // Checked before opening: as root the store would create its files with
  // the directory owner's rights, and a wrong owner would then own them too.
  if (const passwd* user = ::getpwnam(service.c_str()); user && info.st_uid != user->pw_uid) {
    report.Fail(kCheck,
                "[web] state_dir " + dir + " does not belong to '" + service +
                    "', the user of sesam-fcgi.service: the portal cannot count there",
                "chown -R " + service + " " + dir);
    return;
  }
  auto store = state::OpenStore(dir);
  Status status = store.ok() ? (*store)->Check() : store.status();
  if (status.ok()) {
    report.Ok(kCheck, dir + ": the LMDB store opens, reads and takes a write");
    return;
  }
  std::string fix;
  switch (status.code()) {
    case StatusCode::kDataLoss:
      fix = "stop sesam-fcgi, move " + dir + "/data.mdb aside (the counters start again), start it";
      break;
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
      fix = "chown -R " + service + " " + dir + " && chmod 0700 " + dir;
      break;
    case StatusCode::kNotFound:
      fix = make;
      break;
    default:
      fix = "see the message above";
  }
  report.Fail(kCheck, status.message(), fix);
}

void CheckSmtp(const config::Config& config, DoctorReport& report) {
  constexpr std::string_view kCheck = "smtp";
  const web::SmtpProbe probe = web::ProbeSmtp(config.mail);
  const std::string& url = config.mail.smtp_url;
  if (probe.status.ok()) {
    // libcurl skips AUTH silently when the server does not offer it.
    const bool authenticated =
        std::find(probe.dialogue.begin(), probe.dialogue.end(), "C: AUTH") != probe.dialogue.end();
    std::string steps = "greeting, EHLO";
    if (config.mail.starttls) steps += ", STARTTLS (certificate verified)";
    if (url.rfind("smtps://", 0) == 0) steps = "TLS (certificate verified), " + steps;
    if (authenticated) steps += ", AUTH as " + config.mail.username;
    report.Ok(kCheck, url + ": " + steps + " accepted; no mail sent");
    if (!config.mail.username.empty() && !authenticated) {
      report.Warn(kCheck,
                  "the server offered no AUTH, so [mail] username " + config.mail.username +
                      " is not used: the mailer sends without logging in",
                  "servers often offer AUTH only after STARTTLS or on the submission port "
                  "(587): set starttls = yes or change smtp_url; or remove [mail] username if "
                  "the relay accepts this host as it is");
    }
    return;
  }
  const std::string& reason = probe.status.reason();
  std::string fix;
  if (reason == "smtp.connection") {
    fix =
        "check [mail] smtp_url (host and port) and that the mail server runs and accepts "
        "connections from this host";
  } else if (reason == "smtp.timeout") {
    fix = "the server did not answer within [mail] timeout: check the host, port and firewall";
  } else if (reason == "smtp.tls" && probe.last_command == "EHLO") {
    fix =
        "the server does not offer STARTTLS here: use its submission port (587) or "
        "smtps:// (465)";
  } else if (reason == "smtp.tls") {
    fix =
        "the server's certificate is not trusted for this host name: set [mail] tls_ca_file "
        "to its CA, and name the host in smtp_url as the certificate does";
  } else if (reason == "smtp.auth") {
    fix = "check [mail] username and the password in [mail] password_file " +
          config.mail.password_file;
  } else if (reason == "smtp.4xx" || reason == "smtp.5xx") {
    fix = "the server refused " +
          (probe.last_command.empty() ? std::string("the connection") : probe.last_command) +
          ": see its log";
  } else {
    fix = "fix [mail] as the message says (sesam config-test checks the file)";
  }
  std::string at =
      probe.last_command.empty() ? std::string() : " (after " + probe.last_command + ")";
  // The server's last words often say more than the reply code (e.g.
  // "535 5.7.8 Authentication credentials invalid").
  for (auto line = probe.dialogue.rbegin(); line != probe.dialogue.rend(); ++line) {
    if (line->rfind("S: ", 0) == 0) {
      at += "; the server said: " + line->substr(3);
      break;
    }
  }
  report.Fail(kCheck, url + ": " + probe.status.message() + at, fix);
}

}  // namespace sesam::cli::doctor
