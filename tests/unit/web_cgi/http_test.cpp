#include "sesam/web/http.h"

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
