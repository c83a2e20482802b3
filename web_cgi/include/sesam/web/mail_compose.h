// SPDX-License-Identifier: Apache-2.0
// Safe composition of one reset message as RFC 5322 / MIME bytes, shared by
// the Mailer (web_cgi/mail) and `sesam send-reset`, and exposed for tests.
//
// Nothing a form or the directory supplies can add a header or a recipient:
// every header value is checked (no CR, LF, NUL or other control character,
// valid UTF-8), the recipient must pass a conservative addr-spec check, text
// outside printable ASCII is carried in RFC 2047 encoded-words, and both bodies
// are quoted-printable or base64 with short lines. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sesam/status.h"
#include "sesam/web/mail.h"

namespace sesam::web {

// A display name and an addr-spec ("School <noreply@school.be>").
struct Mailbox {
  std::string display_name;  // UTF-8, may be empty
  std::string address;       // local@domain, checked by IsValidAddress
};

// Conservative addr-spec check: local part is a dot-atom of RFC 5322 atext
// (at most 64 bytes), domain is dot-separated LDH labels (each 1..63 bytes, no
// leading or trailing '-'; "localhost" is allowed), ASCII only, at most 254
// bytes in all. No quoted local parts, address literals or comments: what this
// refuses a school does not hand out, and what it accepts is safe on an SMTP
// command line.
bool IsValidAddress(std::string_view address);

// Parses "Name <local@domain>", "\"Name\" <local@domain>" or "local@domain"
// (the [mail] from key). InvalidArgument when the form or the address is bad.
Result<Mailbox> ParseMailbox(std::string_view text);

// The bytes handed to the SMTP server for one message.
struct ComposedMessage {
  std::string envelope_from;  // addr-spec for MAIL FROM
  std::string envelope_to;    // addr-spec for RCPT TO (the one recipient)
  std::string message_id;     // "<22 base64url characters@domain of from>"
  std::string bytes;          // headers + CRLF + MIME body, CRLF line ends
};

// Composes `message` from `from`, dated `date`: headers From, To, Subject, Date,
// Message-ID (128 random bits in base64url, @ the from domain), MIME-Version,
// Content-Language (when `message.language` is set), Auto-Submitted:
// auto-generated; then multipart/alternative with a text/plain and a text/html
// part, both charset UTF-8. Every line is at most 76 characters except a To or
// From line that carries a long address (still far below RFC 5322's 998).
//
// InvalidArgument (message names the field, never its value) when a header
// value holds CR, LF, NUL or another control character, any field is not valid
// UTF-8, the recipient address fails IsValidAddress, the language is not a
// plain language tag, or a body is empty.
Result<ComposedMessage> ComposeMessage(
    const MailMessage& message, const Mailbox& from,
    std::chrono::system_clock::time_point date = std::chrono::system_clock::now());

}  // namespace sesam::web
