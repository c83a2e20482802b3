// SPDX-License-Identifier: Apache-2.0
// A dry run of the mail transport for `sesam doctor`: connect to [mail]
// smtp_url, EHLO, STARTTLS when configured (smtps:// is TLS from the first
// byte), AUTH when a username is configured, then QUIT. No MAIL FROM, no
// RCPT, no DATA: nothing is sent. The same libcurl settings as the mailer
// (certificate and host name verified, tls_ca_file, timeout), so a probe
// that passes means the mailer's session set-up passes too.
#pragma once

#include <string>
#include <vector>

#include "sesam/config.h"
#include "sesam/status.h"

namespace sesam::web {

struct SmtpProbe {
  // OK, or the mailer's Status for the same failure (reasons "smtp.connection",
  // "smtp.timeout", "smtp.tls", "smtp.auth", "smtp.4xx", "smtp.5xx",
  // "smtp.config").
  Status status;
  // What happened, in order: the server's greeting and replies, and the
  // commands sent by their verb only ("EHLO", "STARTTLS", "AUTH", "QUIT").
  // Never a credential: AUTH's arguments and continuation lines are left out.
  std::vector<std::string> dialogue;
  // The last command sent before the end ("" before the greeting): where a
  // failure happened.
  std::string last_command;
  bool tls = false;  // the session ran over verified TLS
};

// Reads [mail] password_file when a username is set (its error is returned
// in `status`). Blocks for at most settings.timeout per phase.
SmtpProbe ProbeSmtp(const config::MailSection& settings);

}  // namespace sesam::web
