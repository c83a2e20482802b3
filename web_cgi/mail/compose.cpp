// SPDX-License-Identifier: Apache-2.0
// One reset message as RFC 5322 bytes. Every value that reaches a header is
// either checked to be plain printable ASCII or carried in encoded-words, so a
// CR/LF from a form or the directory can never start a header of its own.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

#include "mime_encoding.h"
#include "sesam/crypto.h"
#include "sesam/utf8.h"
#include "sesam/web/mail_compose.h"

namespace sesam::web {
namespace {

// Far below RFC 5322's 998, far above any real name or subject.
constexpr std::size_t kMaxHeaderValue = 900;

// Refuses what could end or forge a header line; names the field, never the value.
Status CheckHeaderValue(std::string_view field, std::string_view value) {
  if (value.size() > kMaxHeaderValue) {
    return InvalidArgumentError(std::string(field) + " is too long");
  }
  for (char ch : value) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte == '\r' || byte == '\n' || byte == '\0') {
      return InvalidArgumentError(std::string(field) + " contains CR, LF or NUL");
    }
    if (byte < 0x20 || byte == 0x7F) {
      return InvalidArgumentError(std::string(field) + " contains a control character");
    }
  }
  if (!utf8::IsValid(value)) return InvalidArgumentError(std::string(field) + " is not UTF-8");
  return Status::Ok();
}

Status CheckBody(std::string_view field, std::string_view body) {
  if (body.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (body.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(field) + " contains NUL");
  }
  if (!utf8::IsValid(body)) return InvalidArgumentError(std::string(field) + " is not UTF-8");
  return Status::Ok();
}

// "nl", "fr-BE": a plain BCP 47 shape, enough for Content-Language.
bool IsLanguageTag(std::string_view tag) {
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t dash = tag.find('-', start);
    const std::string_view part =
        tag.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (part.empty() || part.size() > 8) return false;
    for (char ch : part) {
      const auto byte = static_cast<unsigned char>(ch);
      if (byte >= 0x80 || (first ? std::isalpha(byte) : std::isalnum(byte)) == 0) return false;
    }
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
    first = false;
  }
}

bool IsPlainPhrase(std::string_view name) {
  if (name.find("=?") != std::string_view::npos) return false;
  if (name.front() == ' ' || name.back() == ' ' || name.find("  ") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return ch == ' ' || (byte < 0x80 && (std::isalnum(byte) != 0 ||
                                         std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) !=
                                             std::string_view::npos));
  });
}

bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte >= 0x20 && byte <= 0x7E;
  });
}

std::size_t LastLineLength(std::string_view text) {
  const std::size_t newline = text.rfind('\n');
  return newline == std::string_view::npos ? text.size() : text.size() - newline - 1;
}

// "From: " / "To: " field with an optional display name.
std::string MailboxField(std::string_view field_name, const Mailbox& mailbox) {
  std::string line = std::string(field_name) + ": ";
  if (mailbox.display_name.empty()) return line + mailbox.address + "\r\n";
  const std::string_view name = mailbox.display_name;
  if (IsPlainPhrase(name)) {
    line += name;
  } else if (IsPrintableAscii(name) && name.find("=?") == std::string_view::npos) {
    // ("=?" is excluded: many readers decode encoded-words even inside quotes.)
    line += '"';
    for (char ch : name) {
      if (ch == '"' || ch == '\\') line += '\\';
      line += ch;
    }
    line += '"';
  } else {
    line += mime::EncodedWords(name, line.size());
  }
  const std::string angle = "<" + mailbox.address + ">";
  line += LastLineLength(line) + 1 + angle.size() > mime::kMaxLineLength ? "\r\n " : " ";
  return line + angle + "\r\n";
}

std::string SubjectField(std::string_view subject) {
  constexpr std::string_view kPrefix = "Subject: ";
  std::string line(kPrefix);
  line += mime::IsPlainHeaderText(subject, kPrefix.size())
              ? std::string(subject)
              : mime::EncodedWords(subject, kPrefix.size());
  return line + "\r\n";
}

// RFC 5322 3.3, in UTC and English whatever the process locale is.
std::string DateField(std::chrono::system_clock::time_point date) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(date);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                kDays[utc.tm_wday % 7], utc.tm_mday, kMonths[utc.tm_mon % 12], utc.tm_year + 1900,
                utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

// Text in base64 is encoded in canonical form (RFC 2045 6.8): CRLF line breaks.
std::string CanonicalLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// Base64 when quoted-printable would escape more than a third of the bytes
// (non-Latin scripts), else the more readable quoted-printable.
std::string Part(std::string_view content_type, std::string_view body) {
  const bool base64 = mime::CountQpEscapes(body) * 3 > body.size();
  std::string part = "Content-Type: " + std::string(content_type) + "; charset=UTF-8\r\n";
  part += base64 ? "Content-Transfer-Encoding: base64\r\n\r\n"
                 : "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  part += base64 ? mime::Base64Lines(CanonicalLineBreaks(body)) : mime::QuotedPrintable(body);
  return part;
}

}  // namespace

Result<ComposedMessage> ComposeMessage(const MailMessage& message, const Mailbox& from,
                                       std::chrono::system_clock::time_point date) {
  SESAM_RETURN_IF_ERROR(CheckHeaderValue("to_address", message.to_address));
  if (!IsValidAddress(message.to_address)) {
    return InvalidArgumentError("to_address is not a plain local@domain address");
  }
  SESAM_RETURN_IF_ERROR(CheckHeaderValue("to_name", message.to_name));
  SESAM_RETURN_IF_ERROR(CheckHeaderValue("subject", message.subject));
  if (message.subject.empty()) return InvalidArgumentError("subject is empty");
  if (!message.language.empty() && !IsLanguageTag(message.language)) {
    return InvalidArgumentError("language is not a language tag");
  }
  SESAM_RETURN_IF_ERROR(CheckHeaderValue("from name", from.display_name));
  if (!IsValidAddress(from.address)) {
    return InvalidArgumentError("from is not a plain local@domain address");
  }
  SESAM_RETURN_IF_ERROR(CheckBody("text_body", message.text_body));
  SESAM_RETURN_IF_ERROR(CheckBody("html_body", message.html_body));

  // base64url ids: their '-' and '_' are atext, valid in a msg-id and a boundary.
  SESAM_ASSIGN_OR_RETURN(const std::string id, crypto::RandomId(16));
  // "=_" never occurs in quoted-printable or base64 output, so the boundary
  // cannot collide with a body line whatever the body says.
  SESAM_ASSIGN_OR_RETURN(const std::string boundary_id, crypto::RandomId(12));
  const std::string boundary = "=_sesam_" + boundary_id;

  ComposedMessage out;
  out.envelope_from = from.address;
  out.envelope_to = message.to_address;
  out.message_id = "<" + id + "@" + from.address.substr(from.address.rfind('@') + 1) + ">";

  std::string& bytes = out.bytes;
  bytes.reserve(1024 + 2 * (message.text_body.size() + message.html_body.size()));
  bytes += DateField(date);
  bytes += MailboxField("From", from);
  bytes += MailboxField("To", Mailbox{message.to_name, message.to_address});
  bytes += SubjectField(message.subject);
  bytes += "Message-ID: " + out.message_id + "\r\n";
  bytes += "MIME-Version: 1.0\r\n";
  if (!message.language.empty()) bytes += "Content-Language: " + message.language + "\r\n";
  // RFC 3834: no vacation or out-of-office replies to a machine's message.
  bytes += "Auto-Submitted: auto-generated\r\n";
  bytes += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  bytes += "\r\n";
  bytes += "--" + boundary + "\r\n";
  bytes += Part("text/plain", message.text_body);
  bytes += "--" + boundary + "\r\n";
  bytes += Part("text/html", message.html_body);
  bytes += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace sesam::web
