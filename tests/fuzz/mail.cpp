// SPDX-License-Identifier: Apache-2.0
// Mail: the [mail] from key's mailbox parser, message composition from
// directory and form values (nothing may add a header or a recipient), and
// the MIME encoders, each checked against its documented line limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime_encoding.h"
#include "sesam/utf8.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_compose.h"

namespace {

// Every line ends in CRLF (no bare CR or LF) and is at most `limit` bytes;
// `first_prefix` columns are taken on the first line by the field name.
void CheckLines(std::string_view text, std::size_t limit, std::size_t first_prefix = 0) {
  std::size_t column = first_prefix;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') std::abort();
      ++i;
      column = 0;
    } else if (text[i] == '\n') {
      std::abort();
    } else if (++column > limit) {
      std::abort();
    }
  }
}

void Compose(FuzzedDataProvider& input) {
  sesam::web::MailMessage message;
  message.to_address = input.ConsumeRandomLengthString(80);
  message.to_name = input.ConsumeRandomLengthString(80);
  message.subject = input.ConsumeRandomLengthString(120);
  message.language = input.ConsumeRandomLengthString(12);
  message.html_body = input.ConsumeRandomLengthString(400);
  message.text_body = input.ConsumeRemainingBytesAsString();
  sesam::web::Mailbox from;
  from.display_name = "École Sint-Jan";
  from.address = "noreply@school.example";
  const auto composed = sesam::web::ComposeMessage(
      message, from, std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
  if (!composed.ok()) return;
  if (composed->envelope_to != message.to_address ||
      !sesam::web::IsValidAddress(composed->envelope_to)) {
    std::abort();
  }
  CheckLines(composed->bytes, 998);
  // The header block holds exactly one recipient field.
  const std::string_view bytes = composed->bytes;
  const std::string_view head = bytes.substr(0, bytes.find("\r\n\r\n"));
  int recipients = 0;
  for (std::size_t at = 0; at < head.size();) {
    const std::size_t end = std::min(head.find("\r\n", at), head.size());
    const std::string_view line = head.substr(at, end - at);
    for (std::string_view field : {"To:", "Cc:", "Bcc:", "to:", "cc:", "bcc:"}) {
      if (line.starts_with(field)) ++recipients;
    }
    at = end + 2;
  }
  if (recipients != 1) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  switch (input.ConsumeIntegralInRange(0, 3)) {
    case 0: {
      const std::string text = input.ConsumeRemainingBytesAsString();
      const auto mailbox = sesam::web::ParseMailbox(text);
      if (mailbox.ok() && !sesam::web::IsValidAddress(mailbox->address)) std::abort();
      break;
    }
    case 1:
      Compose(input);
      break;
    case 2: {
      const std::string text = input.ConsumeRemainingBytesAsString();
      CheckLines(sesam::web::mime::QuotedPrintable(text), sesam::web::mime::kMaxLineLength);
      CheckLines(sesam::web::mime::Base64Lines(text), sesam::web::mime::kMaxLineLength);
      (void)sesam::web::mime::CountQpEscapes(text);
      break;
    }
    default: {
      const std::size_t prefix = input.ConsumeIntegralInRange<std::size_t>(0, 20);
      const std::string text = input.ConsumeRemainingBytesAsString();
      if (sesam::utf8::IsValid(text)) {
        CheckLines(sesam::web::mime::EncodedWords(text, prefix), sesam::web::mime::kMaxLineLength,
                   prefix);
      }
      (void)sesam::web::mime::IsPlainHeaderText(text, prefix);
      break;
    }
  }
  return 0;
}
