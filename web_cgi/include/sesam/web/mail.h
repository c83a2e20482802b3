// SPDX-License-Identifier: Apache-2.0
// Outgoing mail: one message per recipient, composed as multipart/alternative
// (text and HTML), delivered over SMTP by libcurl from a bounded queue.
//
// The request path never waits for SMTP: it enqueues and returns, so a known
// account answers as fast as an unknown one. Worker threads keep the SMTP
// connection open between messages and retry with backoff while the server is
// down; every failed delivery is logged (recipient domain and reason, never the
// link it carried).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sesam/config.h"
#include "sesam/status.h"

namespace sesam::web {

// What the reset flow hands over. All fields are plain UTF-8 text from the
// directory or the templates; the composer encodes them (RFC 2047 subject,
// quoted-printable or base64 bodies) and refuses CR/LF in header values, so no
// header can be injected.
struct MailMessage {
  std::string to_address;  // exactly one recipient
  std::string to_name;     // display name, may be empty
  std::string subject;
  std::string text_body;
  std::string html_body;
  std::string language;  // Content-Language, e.g. "nl"
  // Once Enqueue has returned OK, called exactly once with the outcome: true
  // when the SMTP server accepted the message, false when it was given up
  // (refused, retries exhausted, or abandoned at shutdown). Called from a
  // mail worker thread, or from Shutdown; it must not call back into the
  // Mailer. May be empty.
  std::function<void(bool accepted)> on_done;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Queues `message` for delivery. ResourceExhausted when the queue is full;
  // InvalidArgument when the message cannot be composed safely (see
  // ComposeMessage in mail_compose.h; the message names the field, never its
  // value); FailedPrecondition after Shutdown. Never waits for SMTP.
  virtual Status Enqueue(MailMessage message) = 0;
  // Stops accepting, delivers what is queued until `deadline`, then returns.
  // The number of messages still undelivered is logged. A transfer still in
  // flight at the deadline is aborted. Later calls return at once.
  virtual void Shutdown(std::chrono::steady_clock::time_point deadline) = 0;
};

// What became of one delivery attempt (MailerOptions::on_attempt).
enum class DeliveryAttempt {
  kAccepted,  // the server took the message
  kDeferred,  // failed and will be retried: server down, timeout, 4xx reply
  kRefused,   // failed for good: a 5xx reply, or the last of max_attempts
};

struct MailerOptions {
  std::size_t queue_capacity = 10000;
  // Each worker owns one libcurl handle and so keeps one SMTP connection open
  // between messages (libcurl closes it after about two idle minutes).
  unsigned workers = 2;
  // A failed attempt that may succeed later (server down, timeout, 4xx reply)
  // is retried after retry_initial_delay, doubling up to retry_max_delay, for
  // at most max_attempts attempts; then the message is dropped and logged. A
  // 5xx reply (e.g. unknown recipient) is not retried. While a worker waits,
  // the queue behind it waits too: the server is down for every message.
  std::chrono::milliseconds retry_initial_delay{1000};
  std::chrono::milliseconds retry_max_delay{60000};
  unsigned max_attempts = 8;
  // Called on the worker's thread after every attempt, not for a message
  // abandoned at shutdown (sesam/web/mail_health.h keeps the failures for
  // healthz). Must be quick, thread-safe and must not call the Mailer. May be
  // empty.
  std::function<void(DeliveryAttempt)> on_attempt;
};

// The retry settings of [mail] (retry_delay, retry_max_delay, attempts).
MailerOptions MailerOptionsFor(const config::MailSection& settings);

// The SMTP implementation for `settings` ([mail]): smtp:// or smtps:// URL,
// starttls = yes requires STARTTLS (CURLUSESSL_ALL), username with the password
// read once from password_file, timeout per connect and per message.
// InvalidArgument for a bad from address or URL; the error of ReadSecretFile
// when the password file cannot be read. Nothing is sent before the first
// Enqueue. Enqueue and Shutdown are thread-safe; the Mailer's destructor calls
// Shutdown(now) when it was not called.
Result<std::unique_ptr<Mailer>> MakeSmtpMailer(const config::MailSection& settings,
                                               MailerOptions options = {});

}  // namespace sesam::web
