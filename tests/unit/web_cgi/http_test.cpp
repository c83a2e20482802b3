// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/http.h"

#include <string>
#include <type_traits>

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using sesam::web::CookieValue;
using sesam::web::Fields;
using sesam::web::ParseForm;
using sesam::web::UnknownFields;

TEST_GROUP(ParseForm){};

TEST(ParseForm, DecodesPlusAndPercent) {
  auto fields = ParseForm("username=jan.selle&email=jan%40school.be+", {"username", "email"},
                          UnknownFields::kReject);
  CHECK_TRUE(fields.ok());
  STRCMP_EQUAL("jan.selle", fields->at("username").c_str());
  STRCMP_EQUAL("jan@school.be ", fields->at("email").c_str());
}

TEST(ParseForm, RejectsRepeatedField) {
  CHECK_FALSE(ParseForm("email=a%40b.be&email=c%40d.be", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("email=a&email=b", {"email"}, UnknownFields::kIgnore).ok());
}

TEST(ParseForm, RejectsArrayStyleAndUnknownNames) {
  CHECK_FALSE(ParseForm("email[]=a", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("email%5B%5D=a", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("other=1", {"email"}, UnknownFields::kReject).ok());
  auto ignored = ParseForm("other=1&email=x", {"email"}, UnknownFields::kIgnore);
  CHECK_TRUE(ignored.ok());
  CHECK_EQUAL(1u, ignored->size());
}

TEST(ParseForm, RejectsBrokenEscapesAndBadUtf8) {
  CHECK_FALSE(ParseForm("email=%4", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("email=%zz", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("email=%ff%fe", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("email=a&", {"email"}, UnknownFields::kReject).ok());
  CHECK_FALSE(ParseForm("&email=a", {"email"}, UnknownFields::kReject).ok());
}

TEST(ParseForm, AnUnknownNameIsCutShortAndLogSafeInTheMessage) {
  const std::string name = "x%0d%0aFAKE+LINE" + std::string(5000, 'a');
  auto fields = ParseForm(name + "=1", {"email"}, UnknownFields::kReject);
  CHECK_FALSE(fields.ok());
  const std::string message = fields.status().message();
  CHECK_TRUE(message.size() < 80);
  CHECK_TRUE(message.find('\r') == std::string::npos);
  CHECK_TRUE(message.find('\n') == std::string::npos);
  CHECK_TRUE(message.find("x\\x0d\\x0aFAKE LINE") != std::string::npos);
}

TEST(ParseForm, KeepsCrLfAsData) {
  auto fields = ParseForm("username=a%0d%0aBcc%3a+x", {"username"}, UnknownFields::kReject);
  CHECK_TRUE(fields.ok());
  STRCMP_EQUAL("a\r\nBcc: x", fields->at("username").c_str());
}

TEST(ParseForm, EmptyBodyHasNoFields) {
  auto fields = ParseForm("", {"email"}, UnknownFields::kReject);
  CHECK_TRUE(fields.ok());
  CHECK_TRUE(fields->empty());
}

TEST_GROUP(Cookies){};

TEST(Cookies, FindsOneValue) {
  STRCMP_EQUAL("abc", CookieValue("x=1; sesam_csrf=abc; y=2", "sesam_csrf")->c_str());
  CHECK_FALSE(CookieValue("x=1", "sesam_csrf").has_value());
}

TEST(Cookies, TwoCookiesOfOneNameAreTrustedNeither) {
  CHECK_FALSE(CookieValue("sesam_csrf=a; sesam_csrf=b", "sesam_csrf").has_value());
}

// Secrets in memory (issue 10): the decoded values are wiped on every path.
namespace {

bool BufferIsZero(const std::string& text) {
  // Through data(): WipeString keeps the buffer, so all of it is still ours.
  const char* data = text.data();
  for (std::size_t i = 0; i <= text.capacity(); ++i) {
    if (data[i] != '\0') return false;
  }
  return true;
}

const std::string kSecret = "Correct-Horse-Battery-Staple-9";  // longer than a short string

}  // namespace

TEST_GROUP(FormSecrets){};

TEST(FormSecrets, FieldsCannotBeCopied) {
  CHECK_FALSE(std::is_copy_constructible_v<Fields>);
  CHECK_FALSE(std::is_copy_assignable_v<Fields>);
  CHECK_TRUE(std::is_nothrow_move_constructible_v<Fields>);
}

TEST(FormSecrets, WipeValuesZeroesEveryValueAndKeepsTheNames) {
  auto fields = ParseForm("password=" + kSecret + "&password2=" + kSecret,
                          {"password", "password2"}, UnknownFields::kReject);
  CHECK_TRUE(fields.ok());
  STRCMP_EQUAL(kSecret.c_str(), fields->at("password").c_str());
  fields->WipeValues();
  LONGS_EQUAL(2, fields->size());
  CHECK_TRUE(fields->at("password").empty());
  CHECK_TRUE(BufferIsZero(fields->at("password")));
  CHECK_TRUE(BufferIsZero(fields->at("password2")));
}

TEST(FormSecrets, AnErrorAfterAPasswordWipesIt) {
  // Each of these fails after "password" was decoded: a bad escape, bad
  // UTF-8, a repeated field, an unknown field, an empty field.
  for (const std::string& tail :
       {std::string("&password2=%zz"), std::string("&password2=%ff"),
        std::string("&password=again"), std::string("&other=1"), std::string("&")}) {
    Fields fields;
    const sesam::Status status = ParseForm("password=" + kSecret + tail, {"password", "password2"},
                                           UnknownFields::kReject, fields);
    CHECK_FALSE(status.ok());
    CHECK_TRUE(fields.contains("password"));
    CHECK_TRUE(fields.at("password").empty());
    CHECK_TRUE(BufferIsZero(fields.at("password")));
  }
}

TEST(FormSecrets, AValueThatFailsHalfwayIsWiped) {
  // The bad byte comes last: the first 30 bytes were decoded into the field.
  Fields fields;
  CHECK_FALSE(
      ParseForm("password=" + kSecret + "%ff", {"password"}, UnknownFields::kReject, fields).ok());
  CHECK_TRUE(fields.at("password").empty());
  CHECK_TRUE(BufferIsZero(fields.at("password")));
}

TEST(FormSecrets, SuccessKeepsTheValues) {
  Fields fields;
  CHECK_TRUE(
      ParseForm("a=1&password=" + kSecret, {"password"}, UnknownFields::kIgnore, fields).ok());
  STRCMP_EQUAL(kSecret.c_str(), fields.at("password").c_str());
  LONGS_EQUAL(1, fields.size());
}
