// SPDX-License-Identifier: Apache-2.0
// [mail]: the SMTP server that delivers reset messages.
#include "key_table.h"

namespace sesam::config::internal {

SectionSpec MailSectionSpec() {
  using S = MailSection;
  constexpr auto s = &Config::mail;
  return {
      "mail",
      {
          StringKey(s, &S::smtp_url, "smtp_url", "smtp://127.0.0.1:25"),
          BoolKey(s, &S::starttls, "starttls", "no"),
          StringKey(s, &S::tls_ca_file, "tls_ca_file", ""),
          StringKey(s, &S::username, "username", ""),
          StringKey(s, &S::password_file, "password_file", "", KeyKind::kSecretFile),
          StringKey(s, &S::from, "from", "Sesam <noreply@localhost>"),
          DurationKey(s, &S::timeout, "timeout", "10s", std::chrono::seconds(1),
                      std::chrono::minutes(5)),
          EnumKey(s, &S::change_notice, "change_notice", "all",
                  {{"all", ChangeNotice::kAll},
                   {"own", ChangeNotice::kOwn},
                   {"off", ChangeNotice::kOff}}),
          DurationKey(s, &S::retry_delay, "retry_delay", "1s", std::chrono::milliseconds(10),
                      std::chrono::minutes(10)),
          DurationKey(s, &S::retry_max_delay, "retry_max_delay", "60s",
                      std::chrono::milliseconds(10), std::chrono::hours(1)),
          UnsignedKey(s, &S::attempts, "attempts", "8", 1, 100),
      },
      [](const Config& c, const ReportFn& report) {
        const std::string& url = c.mail.smtp_url;
        if (url.rfind("smtp://", 0) != 0 && url.rfind("smtps://", 0) != 0) {
          report("smtp_url", "expected an smtp:// or smtps:// URL", Diagnostic::Severity::kError);
        }
        if (c.mail.from.find('@') == std::string::npos ||
            c.mail.from.find_first_of("\r\n") != std::string::npos) {
          report("from", "expected an address such as 'School <noreply@school.be>'",
                 Diagnostic::Severity::kError);
        }
        if (c.mail.retry_max_delay < c.mail.retry_delay) {
          report("retry_max_delay", "must not be shorter than retry_delay",
                 Diagnostic::Severity::kError);
        }
        if (!c.mail.username.empty() && c.mail.password_file.empty()) {
          report("password_file", "username is set, so password_file is required",
                 Diagnostic::Severity::kError);
        }
      },
  };
}

}  // namespace sesam::config::internal
