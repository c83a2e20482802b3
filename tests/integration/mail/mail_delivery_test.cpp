// SPDX-License-Identifier: Apache-2.0
// The Mailer against a real aiosmtpd server: delivery, connection reuse,
// UTF-8 round trip (decoded by Python's email package in the sink), retry while
// the server is down, the bounded queue, Shutdown, and what is logged.
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "sesam/config.h"
#include "sesam/web/mail.h"
#include "sink.h"

// CppUTest's TestHarness.h redefines operator new: it comes after every other header.
#include <CppUTest/TestHarness.h>

using namespace std::chrono_literals;
using nlohmann::json;
using sesam::StatusCode;
using sesam::web::MailerOptions;
using sesam::web::MailMessage;
namespace sink = sesam::mail_test;

namespace {

constexpr const char* kLink =
    "https://pw.school.example/sesam/otp/eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.bWFj";

sesam::config::MailSection Settings() {
  sesam::config::MailSection settings = sesam::config::DefaultConfig().mail;
  settings.smtp_url = sink::Env("SESAM_TEST_SMTP_URL");
  settings.from = "Sint-Jozefscollege <noreply@school.example>";
  settings.timeout = 5s;
  return settings;
}

// Settings that log in as the sink's test user with `password` (from a 0600 file).
sesam::config::MailSection LoginSettings(const std::string& password) {
  const std::string path = sink::Env("SESAM_TEST_WORKDIR") + "/smtp-password";
  {
    std::ofstream out(path, std::ios::trunc);
    out << password << "\n";
  }
  chmod(path.c_str(), 0600);
  sesam::config::MailSection settings = Settings();
  settings.username = sink::Env("SESAM_TEST_SMTP_USER");
  settings.password_file = path;
  return settings;
}

MailerOptions FastRetry(unsigned workers = 1) {
  MailerOptions options;
  options.workers = workers;
  options.retry_initial_delay = 50ms;
  options.retry_max_delay = 200ms;
  options.max_attempts = 1000;
  return options;
}

MailMessage Message(const std::string& address) {
  return {address,
          "Jan Peeters",
          "Je nieuwe wachtwoord",
          std::string("Beste Jan,\n\nKies een nieuw wachtwoord: ") + kLink + "\n",
          std::string("<p>Beste Jan,</p><p><a href=\"") + kLink + "\">Kies</a></p>",
          "nl",
          {}};
}

std::unique_ptr<sesam::web::Mailer> MakeMailer(const sesam::config::MailSection& settings,
                                               MailerOptions options) {
  auto mailer = sesam::web::MakeSmtpMailer(settings, options);
  CHECK_TRUE_TEXT(mailer.ok(), mailer.status().ToString().c_str());
  return std::move(mailer).value();
}

std::string HeaderOf(const json& message, const std::string& name) {
  std::string found;
  int count = 0;
  for (const auto& header : message["headers"]) {
    if (header[0].get<std::string>() == name) {
      found = header[1].get<std::string>();
      ++count;
    }
  }
  LONGS_EQUAL_TEXT(1, count, name.c_str());
  return found;
}

std::string Chomp(std::string text) {
  std::string out;
  for (char ch : text) {
    if (ch != '\r') out += ch;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void Deliver(sesam::web::Mailer& mailer) {
  mailer.Shutdown(std::chrono::steady_clock::now() + 60s);
}

}  // namespace

TEST_GROUP(MailDelivery){void setup() override{sink::SinkUp();
sink::ClearMessages();
}
}
;

TEST(MailDelivery, OneMessagePerRecipientNamingNoOther) {
  const std::vector<std::string> addresses = {"jan@leerling.school.example",
                                              "ouder.jan@mail.example", "j.peeters@thuis.example"};
  auto mailer = MakeMailer(Settings(), FastRetry(2));
  for (const auto& address : addresses) CHECK_TRUE(mailer->Enqueue(Message(address)).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(3, messages.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& rcpt = messages[i]["rcpt_tos"];
    LONGS_EQUAL(1, rcpt.size());
    const std::string to = rcpt[0].get<std::string>();
    seen.insert(to);
    STRCMP_EQUAL("noreply@school.example", messages[i]["mail_from"].get<std::string>().c_str());
    STRCMP_EQUAL(("Jan Peeters <" + to + ">").c_str(), HeaderOf(messages[i], "To").c_str());
    const std::string raw = sink::RawMessage(i);
    for (const auto& other : addresses) {
      if (other != to) CHECK_EQUAL(std::string::npos, raw.find(other));
    }
    CHECK_TRUE(messages[i]["defects"].empty());
    STRCMP_EQUAL("auto-generated", HeaderOf(messages[i], "Auto-Submitted").c_str());
  }
  CHECK_TRUE(seen == std::set<std::string>(addresses.begin(), addresses.end()));
}

TEST(MailDelivery, SeveralMessagesReuseOneConnection) {
  const std::size_t before = sink::ConnectionCount();
  auto mailer = MakeMailer(Settings(), FastRetry(1));
  for (int i = 0; i < 25; ++i) {
    CHECK_TRUE(mailer->Enqueue(Message("leerling" + std::to_string(i) + "@school.example")).ok());
  }
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(25, messages.size());
  LONGS_EQUAL(1, sink::ConnectionCount() - before);
  for (const auto& message : messages) {
    LONGS_EQUAL(messages[0]["connection"].get<int>(), message["connection"].get<int>());
  }
}

TEST(MailDelivery, Utf8SubjectNameAndBodiesRoundTrip) {
  MailMessage message = Message("rene@leerling.school.example");
  message.to_name = "Ren\xC3\xA9\x65 Fran\xC3\xA7ois-\xC3\x89lo\xC3\xAF\x73\x65";
  message.subject =
      "Votre nouveau mot de passe \xE2\x80\x94 \xC3\x89"
      "cole Sainte-Th\xC3\xA9r\xC3\xA8se, "
      "ann\xC3\xA9\x65 scolaire 2026\xE2\x80\x93"
      "2027 \xF0\x9F\x94\x91";
  message.text_body =
      "Ch\xC3\xA8re Ren\xC3\xA9\x65,\n.\n.ligne qui commence par un point\n"
      "..deux points\n" +
      std::string(150, 'x') + " fin \n" + kLink + "\n";
  message.html_body = "<p>Ch\xC3\xA8re Ren\xC3\xA9\x65 \xE2\x82\xAC</p>\n.point\n";
  message.language = "fr";
  auto mailer = MakeMailer(Settings(), FastRetry());
  CHECK_TRUE(mailer->Enqueue(message).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(1, messages.size());
  const json& got = messages[0];
  CHECK_TRUE_TEXT(got["defects"].empty(), got["defects"].dump().c_str());
  STRCMP_EQUAL(message.subject.c_str(), HeaderOf(got, "Subject").c_str());
  STRCMP_EQUAL((message.to_name + " <" + message.to_address + ">").c_str(),
               HeaderOf(got, "To").c_str());
  STRCMP_EQUAL("fr", HeaderOf(got, "Content-Language").c_str());
  CHECK_TRUE(got["max_line_length"].get<int>() <= 76);
  LONGS_EQUAL(2, got["parts"].size());
  STRCMP_EQUAL("text/plain", got["parts"][0]["content_type"].get<std::string>().c_str());
  STRCMP_EQUAL("text/html", got["parts"][1]["content_type"].get<std::string>().c_str());
  STRCMP_EQUAL("utf-8", got["parts"][0]["charset"].get<std::string>().c_str());
  STRCMP_EQUAL(Chomp(message.text_body).c_str(),
               Chomp(got["parts"][0]["content"].get<std::string>()).c_str());
  STRCMP_EQUAL(Chomp(message.html_body).c_str(),
               Chomp(got["parts"][1]["content"].get<std::string>()).c_str());
}

TEST(MailDelivery, InjectionAttemptsAreRefusedAndNothingIsSent) {
  auto mailer = MakeMailer(Settings(), FastRetry());
  MailMessage message = Message("jan@school.example\r\nBcc: all@school.example");
  LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument),
              static_cast<int>(mailer->Enqueue(message).code()));
  message = Message("jan@school.example>\r\nRCPT TO:<all@school.example");
  CHECK_FALSE(mailer->Enqueue(message).ok());
  message = Message("jan@school.example");
  message.to_name = "Jan\r\nBcc: all@school.example";
  CHECK_FALSE(mailer->Enqueue(message).ok());
  message = Message("jan@school.example");
  message.subject = "Reset\nBcc: all@school.example";
  CHECK_FALSE(mailer->Enqueue(message).ok());
  CHECK_TRUE(mailer->Enqueue(Message("jan@school.example")).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(1, messages.size());
  LONGS_EQUAL(1, messages[0]["rcpt_tos"].size());
  STRCMP_EQUAL("jan@school.example", messages[0]["rcpt_tos"][0].get<std::string>().c_str());
}

TEST(MailDelivery, ServerDownThenUpIsRetriedAndDelivered) {
  sink::StderrCapture capture;
  sink::SinkDown();
  auto mailer = MakeMailer(Settings(), FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("jan.peeters@leerling.school.example")).ok());
  // Wait until at least two attempts have failed, as the log shows.
  for (int i = 0; i < 500 && capture.Text().find("(attempt 2/") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  const std::string log = capture.Text();
  STRCMP_CONTAINS("failed (attempt 1/", log.c_str());
  STRCMP_CONTAINS("failed (attempt 2/", log.c_str());
  STRCMP_CONTAINS("leerling.school.example", log.c_str());
  STRCMP_CONTAINS("Unavailable", log.c_str());
  LONGS_EQUAL(0, sink::Messages().size());
  sink::SinkUp();
  const auto messages = sink::WaitForMessages(1, 30s);
  LONGS_EQUAL(1, messages.size());
  Deliver(*mailer);
  LONGS_EQUAL(1, sink::Messages().size());
  // Only the domain and the reason: never the local part, the link or the body.
  const std::string full_log = capture.Text();
  CHECK_EQUAL(std::string::npos, full_log.find("jan.peeters"));
  CHECK_EQUAL(std::string::npos, full_log.find("otp/"));
  CHECK_EQUAL(std::string::npos, full_log.find("Beste Jan"));
}

TEST(MailDelivery, ConnectionDroppedBetweenMessagesIsReopened) {
  const std::size_t before = sink::ConnectionCount();
  auto mailer = MakeMailer(Settings(), FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("a@school.example")).ok());
  LONGS_EQUAL(1, sink::WaitForMessages(1, 30s).size());
  sink::SinkDown();  // drops the connection the worker keeps
  sink::SinkUp();
  CHECK_TRUE(mailer->Enqueue(Message("b@school.example")).ok());
  Deliver(*mailer);
  LONGS_EQUAL(2, sink::Messages().size());
  LONGS_EQUAL(2, sink::ConnectionCount() - before);
}

TEST(MailDelivery, FullQueueIsResourceExhaustedAndAcceptedMailIsDelivered) {
  sink::SinkDown();
  MailerOptions options = FastRetry(1);
  options.queue_capacity = 5;
  auto mailer = MakeMailer(Settings(), options);
  std::size_t accepted = 0;
  sesam::Status status;
  for (int i = 0; i < 20; ++i) {
    status = mailer->Enqueue(Message("q" + std::to_string(i) + "@school.example"));
    if (!status.ok()) break;
    ++accepted;
  }
  LONGS_EQUAL(static_cast<int>(StatusCode::kResourceExhausted), static_cast<int>(status.code()));
  // The queue holds 5; the one worker may already hold one more.
  CHECK_TRUE(accepted == 5 || accepted == 6);
  sink::SinkUp();
  Deliver(*mailer);
  LONGS_EQUAL(accepted, sink::Messages().size());
}

TEST(MailDelivery, ShutdownDrainsTheQueueThenRefuses) {
  auto mailer = MakeMailer(Settings(), FastRetry(2));
  for (int i = 0; i < 60; ++i) {
    CHECK_TRUE(mailer->Enqueue(Message("d" + std::to_string(i) + "@school.example")).ok());
  }
  Deliver(*mailer);
  LONGS_EQUAL(60, sink::Messages().size());
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition),
              static_cast<int>(mailer->Enqueue(Message("late@school.example")).code()));
}

TEST(MailDelivery, ShutdownDeadlineAbandonsWhatCannotBeSent) {
  sink::StderrCapture capture;
  sink::SinkDown();
  auto mailer = MakeMailer(Settings(), FastRetry(1));
  for (int i = 0; i < 3; ++i) {
    CHECK_TRUE(mailer->Enqueue(Message("late" + std::to_string(i) + "@school.example")).ok());
  }
  mailer->Shutdown(std::chrono::steady_clock::now() + 300ms);
  STRCMP_CONTAINS("3 message(s) not delivered", capture.Text().c_str());
  sink::SinkUp();
  LONGS_EQUAL(0, sink::Messages().size());
}

TEST(MailDelivery, AuthenticatesWithThePasswordFile) {
  auto mailer = MakeMailer(LoginSettings(sink::Env("SESAM_TEST_SMTP_PASSWORD")), FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("auth@school.example")).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(1, messages.size());
  STRCMP_EQUAL(sink::Env("SESAM_TEST_SMTP_USER").c_str(),
               messages[0]["auth_user"].get<std::string>().c_str());
}

TEST(MailDelivery, WrongPasswordIsRefusedNotRetried) {
  sink::StderrCapture capture;
  auto mailer = MakeMailer(LoginSettings("not-the-password"), FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("auth@school.example")).ok());
  Deliver(*mailer);
  LONGS_EQUAL(0, sink::Messages().size());
  const std::string log = capture.Text();
  STRCMP_CONTAINS("(attempt 1/", log.c_str());
  STRCMP_CONTAINS("giving up", log.c_str());
  CHECK_EQUAL(std::string::npos, log.find("(attempt 2/"));
  CHECK_EQUAL(std::string::npos, log.find("not-the-password"));
}

TEST(MailDelivery, StartTlsRequiredButNotOfferedIsRefused) {
  sink::StderrCapture capture;
  sesam::config::MailSection settings = Settings();
  settings.starttls = true;  // the sink offers no STARTTLS: libcurl must not send in clear
  auto mailer = MakeMailer(settings, FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("tls@school.example")).ok());
  Deliver(*mailer);
  LONGS_EQUAL(0, sink::Messages().size());
  STRCMP_CONTAINS("FailedPrecondition", capture.Text().c_str());
}

// TLS: the sink also listens with STARTTLS and with TLS from the first byte,
// under a self-signed certificate for 127.0.0.1 (SESAM_TEST_SMTP_CA).

TEST(MailDelivery, StartTlsWithTheSchoolsCaDeliversOverTls) {
  sesam::config::MailSection settings = LoginSettings(sink::Env("SESAM_TEST_SMTP_PASSWORD"));
  settings.smtp_url = sink::Env("SESAM_TEST_SMTP_STARTTLS_URL");
  settings.starttls = true;
  settings.tls_ca_file = sink::Env("SESAM_TEST_SMTP_CA");
  auto mailer = MakeMailer(settings, FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("starttls@school.example")).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(1, messages.size());
  CHECK_TRUE(messages[0]["tls"].get<bool>());
  STRCMP_EQUAL(sink::Env("SESAM_TEST_SMTP_USER").c_str(),
               messages[0]["auth_user"].get<std::string>().c_str());
}

TEST(MailDelivery, SmtpsWithTheSchoolsCaDeliversOverTls) {
  sesam::config::MailSection settings = Settings();
  settings.smtp_url = sink::Env("SESAM_TEST_SMTPS_URL");
  settings.tls_ca_file = sink::Env("SESAM_TEST_SMTP_CA");
  auto mailer = MakeMailer(settings, FastRetry());
  CHECK_TRUE(mailer->Enqueue(Message("smtps@school.example")).ok());
  Deliver(*mailer);
  const auto messages = sink::Messages();
  LONGS_EQUAL(1, messages.size());
  CHECK_TRUE(messages[0]["tls"].get<bool>());
}

TEST(MailDelivery, UntrustedCertificateSendsNothing) {
  for (const char* url_variable : {"SESAM_TEST_SMTP_STARTTLS_URL", "SESAM_TEST_SMTPS_URL"}) {
    sink::StderrCapture capture;
    sesam::config::MailSection settings = Settings();
    settings.smtp_url = sink::Env(url_variable);
    settings.starttls = true;  // no tls_ca_file: the system CAs do not know the sink's certificate
    auto mailer = MakeMailer(settings, FastRetry());
    CHECK_TRUE(mailer->Enqueue(Message("untrusted@school.example")).ok());
    Deliver(*mailer);
    LONGS_EQUAL_TEXT(0, sink::Messages().size(), url_variable);
    STRCMP_CONTAINS("certificate", capture.Text().c_str());
    STRCMP_CONTAINS("giving up", capture.Text().c_str());
  }
}
