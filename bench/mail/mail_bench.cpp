// SPDX-License-Identifier: Apache-2.0
// sesam_mail_bench SMTP_URL COUNT WORKERS
// sesam_mail_bench --dump FILE
//
// Enqueues COUNT reset-sized messages (one recipient each) into a Mailer with
// WORKERS workers and measures the time until Shutdown has delivered them all.
// Prints "messages=N seconds=S rate=R" on stdout; run.sh checks at the sink
// that every message arrived. --dump writes one such message, composed by the
// same code, for the bare client to send, so both send the same bytes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sesam/config.h"
#include "sesam/log.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_compose.h"

namespace {

// Roughly the size of a real reset message: a greeting, a link, a footer.
sesam::web::MailMessage ResetMessage(unsigned long i) {
  const std::string link = "https://wachtwoord.school.example/sesam/otp/" + std::string(180, 'x');
  const std::string text =
      "Beste Jan,\n\nJe hebt laten weten dat je je wachtwoord vergeten bent.\n" + link +
      "\n\nHeb je hier niet om gevraagd? Negeer deze e-mail.\n";
  const std::string html = "<p>Beste Jan,</p><p><a href=\"" + link +
                           "\">Kies een nieuw wachtwoord</a></p><p>Negeer deze e-mail.</p>";
  return {"leerling" + std::to_string(i) + "@school.example",
          "Jan Peeters",
          "Je nieuwe wachtwoord",
          text,
          html,
          "nl",
          {}};
}

constexpr const char* kFrom = "Sesam Bench <noreply@school.example>";

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--dump") {
    auto composed = sesam::web::ComposeMessage(ResetMessage(0), *sesam::web::ParseMailbox(kFrom));
    if (!composed.ok()) return 1;
    std::ofstream(argv[2], std::ios::binary) << composed->bytes;
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s SMTP_URL COUNT WORKERS\n", argv[0]);
    return 2;
  }
  const unsigned long count = std::strtoul(argv[2], nullptr, 10);
  sesam::config::MailSection settings = sesam::config::DefaultConfig().mail;
  settings.smtp_url = argv[1];
  settings.from = kFrom;
  sesam::web::MailerOptions options;
  options.workers = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));
  options.queue_capacity = count;
  auto mailer = sesam::web::MakeSmtpMailer(settings, options);
  if (!mailer.ok()) {
    std::fprintf(stderr, "%s\n", mailer.status().ToString().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  for (unsigned long i = 0; i < count; ++i) {
    const sesam::Status status = (*mailer)->Enqueue(ResetMessage(i));
    if (!status.ok()) {
      std::fprintf(stderr, "enqueue %lu: %s\n", i, status.ToString().c_str());
      return 1;
    }
  }
  (*mailer)->Shutdown(start + std::chrono::minutes(10));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("messages=%lu seconds=%.3f rate=%.1f\n", count, seconds,
              static_cast<double>(count) / seconds);
  return 0;
}
