// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/mail_compose.h"

#include <set>
#include <string>

#include <CppUTest/TestHarness.h>

#include "../check_ok.h"

#include "mail_parse.h"
#include "mime_encoding.h"
#include "sesam/utf8.h"

using sesam::StatusCode;
using sesam::web::ComposeMessage;
using sesam::web::Mailbox;
using sesam::web::MailMessage;
namespace mt = sesam::web::test;
namespace mime = sesam::web::mime;

namespace {

const Mailbox kFrom{"Sint-Jozefscollege", "noreply@school.example"};

MailMessage Sample() {
  return {
      "jan.peeters@leerling.school.example",
      "Jan Peeters",
      "Je nieuwe wachtwoord",
      "Beste Jan,\n\nKlik hier: https://pw.school.example/sesam/otp/abc\n",
      "<p>Beste Jan,</p>\n<p><a href=\"https://pw.school.example/sesam/otp/abc\">Klik</a></p>\n",
      "nl",
      {}};
}

std::string TrimNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

mt::ParsedMessage ComposeAndParse(const MailMessage& message, std::string* bytes = nullptr) {
  auto composed = ComposeMessage(message, kFrom);
  CHECK_TRUE_TEXT(composed.ok(), composed.status().ToString().c_str());
  if (bytes != nullptr) *bytes = composed->bytes;
  std::size_t longest = 0;
  CHECK_TRUE_TEXT(mt::MaxLineLength(composed->bytes, longest), "bare CR or LF in output");
  CHECK_TRUE_TEXT(longest <= 76, ("line of " + std::to_string(longest)).c_str());
  auto parsed = mt::Parse(composed->bytes);
  STRCMP_EQUAL("", parsed.error.c_str());
  return parsed;
}

void CheckRoundTrip(const MailMessage& message) {
  const auto parsed = ComposeAndParse(message);
  const mt::Header* subject = mt::FindOne(parsed.headers, "Subject");
  CHECK(subject != nullptr);
  STRCMP_EQUAL(message.subject.c_str(), subject->decoded.c_str());
  LONGS_EQUAL(2, parsed.parts.size());
  STRCMP_EQUAL(TrimNewlines(mt::ToLf(message.text_body)).c_str(),
               TrimNewlines(parsed.parts[0].decoded).c_str());
  STRCMP_EQUAL(TrimNewlines(mt::ToLf(message.html_body)).c_str(),
               TrimNewlines(parsed.parts[1].decoded).c_str());
}

void CheckRefused(const MailMessage& message, const char* field) {
  const auto composed = ComposeMessage(message, kFrom);
  CHECK_FALSE(composed.ok());
  LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument),
              static_cast<int>(composed.status().code()));
  STRCMP_CONTAINS(field, composed.status().message().c_str());
}

// Mixed 1-, 2-, 3- and 4-byte characters, `count` of them.
std::string MixedUtf8(std::size_t count) {
  static const char* const kPieces[] = {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", " "};
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += kPieces[(i * 7 + count) % 5];
  return out;
}

}  // namespace

TEST_GROUP(MailCompose){};

TEST(MailCompose, HasEveryHeaderExactlyOnce) {
  MailMessage message = Sample();
  const auto parsed = ComposeAndParse(message);
  for (const char* name : {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                           "Content-Language", "Auto-Submitted", "Content-Type"}) {
    CHECK_TEXT(mt::FindOne(parsed.headers, name) != nullptr, name);
  }
  LONGS_EQUAL(0, mt::Find(parsed.headers, "Cc").size());
  LONGS_EQUAL(0, mt::Find(parsed.headers, "Bcc").size());
  STRCMP_EQUAL("Sint-Jozefscollege <noreply@school.example>",
               mt::FindOne(parsed.headers, "From")->decoded.c_str());
  STRCMP_EQUAL("Jan Peeters <jan.peeters@leerling.school.example>",
               mt::FindOne(parsed.headers, "To")->decoded.c_str());
  STRCMP_EQUAL("auto-generated", mt::FindOne(parsed.headers, "Auto-Submitted")->raw.c_str());
  STRCMP_EQUAL("1.0", mt::FindOne(parsed.headers, "MIME-Version")->raw.c_str());
  STRCMP_EQUAL("nl", mt::FindOne(parsed.headers, "Content-Language")->raw.c_str());
  STRCMP_CONTAINS("multipart/alternative;",
                  mt::FindOne(parsed.headers, "Content-Type")->raw.c_str());
}

TEST(MailCompose, PartsAreTextThenHtmlInUtf8) {
  const auto parsed = ComposeAndParse(Sample());
  LONGS_EQUAL(2, parsed.parts.size());
  STRCMP_CONTAINS("text/plain; charset=UTF-8",
                  mt::FindOne(parsed.parts[0].headers, "Content-Type")->raw.c_str());
  STRCMP_CONTAINS("text/html; charset=UTF-8",
                  mt::FindOne(parsed.parts[1].headers, "Content-Type")->raw.c_str());
  CheckRoundTrip(Sample());
}

TEST(MailCompose, DateIsRfc5322InUtc) {
  const auto date = std::chrono::system_clock::from_time_t(1700000000);
  auto composed = ComposeMessage(Sample(), kFrom, date);
  CHECK_OK(composed);
  STRCMP_CONTAINS("\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n",
                  ("\r\n" + composed->bytes).c_str());
}

TEST(MailCompose, MessageIdIsRandomAtTheSenderDomain) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto composed = ComposeMessage(Sample(), kFrom);
    CHECK_OK(composed);
    const std::string& id = composed->message_id;
    LONGS_EQUAL(1 + 22 + 1 + std::string("school.example").size() + 1, id.size());
    CHECK_EQUAL(0U, id.find('<'));
    CHECK_EQUAL(23U, id.find("@school.example>"));
    CHECK_EQUAL(std::string::npos,
                id.substr(1, 22).find_first_not_of(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));
    STRCMP_CONTAINS(("Message-ID: " + id + "\r\n").c_str(), composed->bytes.c_str());
    ids.insert(id);
  }
  LONGS_EQUAL(20, ids.size());
}

TEST(MailCompose, EnvelopeIsTheOneRecipient) {
  auto composed = ComposeMessage(Sample(), kFrom);
  CHECK_OK(composed);
  STRCMP_EQUAL("jan.peeters@leerling.school.example", composed->envelope_to.c_str());
  STRCMP_EQUAL("noreply@school.example", composed->envelope_from.c_str());
}

TEST(MailCompose, Utf8SubjectNameAndBodyRoundTrip) {
  MailMessage message = Sample();
  message.to_name = "Ren\xC3\xA9\x65 Fran\xC3\xA7ois";
  message.subject =
      "Votre nouveau mot de passe \xE2\x80\x94 \xC3\x89"
      "cole Sainte-Th\xC3\xA9r\xC3\xA8se";
  message.text_body =
      "Ch\xC3\xA8re Ren\xC3\xA9\x65,\n\nVous avez oubli\xC3\xA9 votre mot de passe. "
      "\xF0\x9F\x94\x91\n";
  message.html_body = "<p>Ch\xC3\xA8re Ren\xC3\xA9\x65</p>";
  message.language = "fr";
  CheckRoundTrip(message);
  const auto parsed = ComposeAndParse(message);
  STRCMP_EQUAL(("Ren\xC3\xA9\x65 Fran\xC3\xA7ois <" + message.to_address + ">").c_str(),
               mt::FindOne(parsed.headers, "To")->decoded.c_str());
}

TEST(MailCompose, SubjectsOfEveryLengthRoundTripInShortWords) {
  for (std::size_t count = 1; count <= 160; count += 3) {
    MailMessage message = Sample();
    message.subject = MixedUtf8(count);
    if (message.subject.front() == ' ') message.subject.front() = 'x';
    std::string bytes;
    const auto parsed = ComposeAndParse(message, &bytes);
    STRCMP_EQUAL(message.subject.c_str(), mt::FindOne(parsed.headers, "Subject")->decoded.c_str());
    // Each encoded-word is at most 75 characters and holds whole characters.
    const std::string raw = mt::FindOne(parsed.headers, "Subject")->raw;
    for (std::size_t at = raw.find("=?"); at != std::string::npos; at = raw.find("=?", at + 2)) {
      const std::size_t end = raw.find("?=", at + 10) + 2;
      CHECK_TRUE(end - at <= 75);
      const std::string word = raw.substr(at, end - at);
      CHECK_TRUE_TEXT(sesam::utf8::IsValid(mt::DecodeEncodedWords(word)), word.c_str());
      at = end - 2;
    }
  }
}

TEST(MailCompose, PlainAsciiSubjectStaysReadable) {
  const auto parsed = ComposeAndParse(Sample());
  STRCMP_EQUAL("Je nieuwe wachtwoord", mt::FindOne(parsed.headers, "Subject")->raw.c_str());
}

TEST(MailCompose, SubjectThatLooksEncodedIsEncoded) {
  MailMessage message = Sample();
  message.subject = "=?UTF-8?B?SGFja2Vk?= really";
  const auto parsed = ComposeAndParse(message);
  STRCMP_EQUAL(message.subject.c_str(), mt::FindOne(parsed.headers, "Subject")->decoded.c_str());
}

TEST(MailCompose, DisplayNamesWithSpecialsAreQuotedOrEncoded) {
  for (const std::string& name : {std::string("Peeters, Jan"), std::string("Jan \"de Grote\" P."),
                                  std::string("a\\b <c@d.e>"), std::string("=?UTF-8?B?QUJD?="),
                                  std::string("\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD")}) {
    MailMessage message = Sample();
    message.to_name = name;
    const auto parsed = ComposeAndParse(message);
    const mt::Header* to = mt::FindOne(parsed.headers, "To");
    CHECK(to != nullptr);
    // The address is the only angle-bracketed part and ends the field.
    const std::string suffix = " <" + message.to_address + ">";
    CHECK_TRUE_TEXT(to->raw.size() > suffix.size() &&
                        to->raw.compare(to->raw.size() - suffix.size(), suffix.size(), suffix) == 0,
                    to->raw.c_str());
    std::string phrase = to->decoded.substr(0, to->decoded.size() - suffix.size());
    if (phrase.front() == '"') {  // unquote
      std::string plain;
      for (std::size_t i = 1; i + 1 < phrase.size(); ++i) {
        if (phrase[i] == '\\') ++i;
        plain += phrase[i];
      }
      phrase = plain;
    }
    STRCMP_EQUAL(name.c_str(), phrase.c_str());
  }
}

TEST(MailCompose, LongUtf8NameFoldsTheAddress) {
  MailMessage message = Sample();
  message.to_name = MixedUtf8(60);
  message.to_name.front() = 'x';
  const auto parsed = ComposeAndParse(message);
  STRCMP_EQUAL((message.to_name + " <" + message.to_address + ">").c_str(),
               mt::FindOne(parsed.headers, "To")->decoded.c_str());
}

TEST(MailCompose, QuotedPrintableKeepsDotsSpacesAndEquals) {
  MailMessage message = Sample();
  message.text_body = ".\n.leading dot\n..two dots\ntrailing space \ntab\t\na=b==c\n" +
                      std::string(200, 'x') + "\n" + std::string(100, '=') + "\nlast";
  CheckRoundTrip(message);
  std::string bytes;
  ComposeAndParse(message, &bytes);
  STRCMP_CONTAINS("\r\n.leading dot\r\n", bytes.c_str());
  STRCMP_CONTAINS("trailing space=20\r\n", bytes.c_str());
  STRCMP_CONTAINS("tab=09\r\n", bytes.c_str());
  STRCMP_CONTAINS("Content-Transfer-Encoding: quoted-printable", bytes.c_str());
}

TEST(MailCompose, CrLfAndLoneCrInBodies) {
  MailMessage message = Sample();
  message.text_body = "one\r\ntwo\rthree\n";
  const auto parsed = ComposeAndParse(message);
  STRCMP_EQUAL("one\ntwo\rthree", TrimNewlines(parsed.parts[0].decoded).c_str());
}

TEST(MailCompose, MostlyNonLatinBodyIsBase64) {
  MailMessage message = Sample();
  std::string cyrillic;
  for (int i = 0; i < 200; ++i) cyrillic += i % 10 == 9 ? "\n" : "\xD0\x9F\xD1\x80\xD0\xB8";
  message.text_body = cyrillic;
  std::string bytes;
  const auto parsed = ComposeAndParse(message, &bytes);
  STRCMP_CONTAINS("base64",
                  mt::FindOne(parsed.parts[0].headers, "Content-Transfer-Encoding")->raw.c_str());
  STRCMP_EQUAL(TrimNewlines(cyrillic).c_str(), TrimNewlines(parsed.parts[0].decoded).c_str());
}

TEST(MailCompose, RefusesHeaderInjectionInTheAddress) {
  for (const std::string& address : {std::string("jan@school.example\r\nBcc: all@school.example"),
                                     std::string("jan@school.example\nBcc: all@school.example"),
                                     std::string("jan@school.example\r"),
                                     std::string("jan@school.example\0x", 20),
                                     std::string("jan@school.example>"),
                                     std::string("<jan@school.example>"),
                                     std::string("jan@school.example, x@evil.example"),
                                     std::string("jan@school.example>\r\nRCPT TO:<x@evil.example"),
                                     std::string("jan doe@school.example"),
                                     std::string("\"jan\"@school.example"),
                                     std::string("jan@[127.0.0.1]"),
                                     std::string("jan"),
                                     std::string("@school.example"),
                                     std::string("jan@"),
                                     std::string("jan@school..example"),
                                     std::string("j\xC3\xA1n@school.example"),
                                     std::string(".jan@school.example"),
                                     std::string("jan.@school.example"),
                                     std::string("jan@-school.example"),
                                     std::string(65, 'a') + "@school.example"}) {
    MailMessage message = Sample();
    message.to_address = address;
    CheckRefused(message, "to_address");
  }
}

TEST(MailCompose, RefusesHeaderInjectionInNameSubjectAndLanguage) {
  for (const std::string& evil :
       {std::string("x\r\nBcc: all@school.example"), std::string("x\nBcc: a@b.c"),
        std::string("x\rBcc: a@b.c"), std::string("x\0y", 3), std::string("x\x1b[31m"),
        std::string("x\x7f")}) {
    MailMessage message = Sample();
    message.to_name = evil;
    CheckRefused(message, "to_name");
    message = Sample();
    message.subject = evil;
    CheckRefused(message, "subject");
    message = Sample();
    message.language = evil;
    CheckRefused(message, "language");
  }
}

TEST(MailCompose, RefusalNamesTheFieldNotTheValue) {
  MailMessage message = Sample();
  message.subject = "secret-link\r\nBcc: a@b.c";
  const auto composed = ComposeMessage(message, kFrom);
  CHECK_FALSE(composed.ok());
  CHECK_EQUAL(std::string::npos, composed.status().message().find("secret-link"));
}

TEST(MailCompose, RefusesInvalidUtf8AndEmptyParts) {
  MailMessage message = Sample();
  message.subject = "caf\xC3";
  CheckRefused(message, "subject");
  message = Sample();
  message.text_body = "caf\xE9";
  CheckRefused(message, "text_body");
  message = Sample();
  message.html_body = "";
  CheckRefused(message, "html_body");
  message = Sample();
  message.subject = "";
  CheckRefused(message, "subject");
}

TEST(MailCompose, AcceptsOrdinarySchoolAddresses) {
  for (const char* address :
       {"jan.peeters@leerling.school.be", "j+reset@school.be", "o'brien@school.ie",
        "x_y-z@sub-domain.school.example", "noreply@localhost"}) {
    CHECK_TEXT(sesam::web::IsValidAddress(address), address);
  }
}

TEST(MailCompose, ParsesTheFromSetting) {
  auto plain = sesam::web::ParseMailbox("School <noreply@school.be>");
  CHECK_OK(plain);
  STRCMP_EQUAL("School", plain->display_name.c_str());
  STRCMP_EQUAL("noreply@school.be", plain->address.c_str());
  auto quoted = sesam::web::ParseMailbox(" \"Sint-Jan, \\\"Brugge\\\"\" <noreply@school.be> ");
  CHECK_OK(quoted);
  STRCMP_EQUAL("Sint-Jan, \"Brugge\"", quoted->display_name.c_str());
  auto bare = sesam::web::ParseMailbox("noreply@school.be");
  CHECK_OK(bare);
  STRCMP_EQUAL("", bare->display_name.c_str());
  CHECK_FALSE(sesam::web::ParseMailbox("School <noreply@school.be").ok());
  CHECK_FALSE(sesam::web::ParseMailbox("School <no reply@school.be>").ok());
  CHECK_FALSE(sesam::web::ParseMailbox("School\r\nBcc: x@y.z <noreply@school.be>").ok());
}

TEST_GROUP(MimeEncoding){};

TEST(MimeEncoding, QuotedPrintableLinesStayShort) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += static_cast<char>(i % 2 == 0 ? 'a' : 0xE9 - i % 3);
  const std::string encoded = mime::QuotedPrintable(text);
  std::size_t longest = 0;
  CHECK_TRUE(mt::MaxLineLength(encoded, longest));
  CHECK_TRUE(longest <= 76);
  STRCMP_EQUAL(text.c_str(), TrimNewlines(mt::DecodeQuotedPrintable(encoded)).c_str());
}

TEST(MimeEncoding, QuotedPrintableEdgeAtSeventySix) {
  // 76 characters fit on a line without a soft break; 77 do not.
  STRCMP_EQUAL((std::string(76, 'x') + "\r\n").c_str(),
               mime::QuotedPrintable(std::string(76, 'x')).c_str());
  const std::string broken = mime::QuotedPrintable(std::string(77, 'x'));
  STRCMP_EQUAL((std::string(75, 'x') + "=\r\nxx\r\n").c_str(), broken.c_str());
}

TEST(MimeEncoding, Base64MatchesRfc4648Vectors) {
  STRCMP_EQUAL("", mime::Base64("").c_str());
  STRCMP_EQUAL("Zg==", mime::Base64("f").c_str());
  STRCMP_EQUAL("Zm8=", mime::Base64("fo").c_str());
  STRCMP_EQUAL("Zm9v", mime::Base64("foo").c_str());
  STRCMP_EQUAL("Zm9vYmFy", mime::Base64("foobar").c_str());
  const std::string lines = mime::Base64Lines(std::string(200, '\xff'));
  std::size_t longest = 0;
  CHECK_TRUE(mt::MaxLineLength(lines, longest));
  LONGS_EQUAL(76, longest);
  CHECK_TRUE(std::string(200, '\xff') == mt::DecodeBase64(lines));
}
