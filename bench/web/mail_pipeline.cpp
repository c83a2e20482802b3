// SPDX-License-Identifier: Apache-2.0
// sesam_bench_mail CONFIG COUNT
//
// The mail pipeline's rate: queue COUNT reset-sized messages through
// MakeSmtpMailer ([mail] of CONFIG) and wait until the queue is delivered.
// Prints "messages_per_second N". Part of bench/web/run.py.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sesam/config.h"
#include "sesam/web/mail.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CONFIG COUNT\n", argv[0]);
    return 2;
  }
  auto config = sesam::config::Load(argv[1]);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 2;
  }
  const int count = std::atoi(argv[2]);
  auto mailer = sesam::web::MakeSmtpMailer(config->mail);
  if (!mailer.ok()) {
    std::fprintf(stderr, "%s\n", mailer.status().ToString().c_str());
    return 1;
  }
  const std::string body(900, 'x');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    sesam::web::MailMessage message;
    message.to_address = "bench" + std::to_string(i) + "@school.test";
    message.subject = "Sint-Jan: kies een nieuw wachtwoord";
    message.text_body = body;
    message.html_body = "<p>" + body + "</p>";
    message.language = "nl";
    if (!(*mailer)->Enqueue(std::move(message)).ok()) {
      std::fprintf(stderr, "queue refused message %d\n", i);
      return 1;
    }
  }
  (*mailer)->Shutdown(std::chrono::steady_clock::now() + std::chrono::minutes(5));
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("messages_per_second %.0f\n", count / elapsed.count());
  return 0;
}
