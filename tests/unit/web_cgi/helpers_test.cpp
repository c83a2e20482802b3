// The small decisions: language, return URL, client address, per-IP limit,
// CSRF tokens, log-safe values.
#include "audit.h"
#include "client_ip.h"
#include "csrf.h"
#include "negotiation.h"
#include "rate_limiter.h"

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using namespace sesam::web;

TEST_GROUP(Language){};

TEST(Language, QueryThenAcceptLanguageThenDefault) {
  const std::vector<std::string> languages = {"nl", "fr", "en"};
  STRCMP_EQUAL("fr", ChooseLanguage("fr", "en", languages, "nl").c_str());
  STRCMP_EQUAL("en", ChooseLanguage("de", "de-DE, en;q=0.8, fr;q=0.5", languages, "nl").c_str());
  STRCMP_EQUAL("fr", ChooseLanguage("", "fr-BE", languages, "nl").c_str());
  STRCMP_EQUAL("nl", ChooseLanguage("", "de, es", languages, "nl").c_str());
  STRCMP_EQUAL("nl", ChooseLanguage("", "", languages, "nl").c_str());
  STRCMP_EQUAL("nl", ChooseLanguage("", "en", {"nl", "fr"}, "nl").c_str());
}

TEST_GROUP(ReturnUrl){};

TEST(ReturnUrl, PrefixMustEndAtAPathBoundary) {
  const std::vector<std::string> allowed = {"https://login.school.be",
                                            "https://sso.school.be/realms/"};
  CHECK_TRUE(AllowedReturnUrl("https://login.school.be", allowed));
  CHECK_TRUE(AllowedReturnUrl("https://login.school.be/auth?x=1", allowed));
  CHECK_TRUE(AllowedReturnUrl("https://sso.school.be/realms/school", allowed));
  CHECK_FALSE(AllowedReturnUrl("https://login.school.be.evil.example/", allowed));
  CHECK_FALSE(AllowedReturnUrl("https://login.school.be@evil.example/", allowed));
  CHECK_FALSE(AllowedReturnUrl("https://evil.example/?https://login.school.be", allowed));
  CHECK_FALSE(AllowedReturnUrl("javascript:alert(1)", allowed));
  CHECK_FALSE(AllowedReturnUrl("https://login.school.be/\r\nSet-Cookie: x", allowed));
  CHECK_FALSE(AllowedReturnUrl("https://login.school.be/", {}));
}

TEST_GROUP(ClientIp){};

TEST(ClientIp, ForwardedForOnlyFromTrustedProxies) {
  const ProxyList proxies({"10.0.0.0/8", "::1"});
  STRCMP_EQUAL("192.0.2.7", ClientIp(proxies, "192.0.2.7", "198.51.100.1").c_str());
  STRCMP_EQUAL("198.51.100.1", ClientIp(proxies, "10.1.2.3", "198.51.100.1").c_str());
  STRCMP_EQUAL("198.51.100.1",
               ClientIp(proxies, "10.1.2.3", "203.0.113.9, 198.51.100.1, 10.9.9.9").c_str());
  STRCMP_EQUAL("10.1.2.3", ClientIp(proxies, "10.1.2.3", "garbage").c_str());
  STRCMP_EQUAL("2001:db8::5", ClientIp(proxies, "::1", "2001:db8::5").c_str());
  CHECK_FALSE(ProxyList({"10.0.0.0/8"}).Contains("11.0.0.1"));
  CHECK_TRUE(ProxyList({"192.168.1.128/25"}).Contains("192.168.1.200"));
  CHECK_FALSE(ProxyList({"192.168.1.128/25"}).Contains("192.168.1.100"));
}

TEST_GROUP(RateLimit){};

TEST(RateLimit, SlidingWindowWithRetryAfter) {
  using namespace std::chrono;
  RateLimiter limiter({2, minutes(10)});
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  LONGS_EQUAL(0, limiter.Hit("a", t0));
  LONGS_EQUAL(0, limiter.Hit("a", t0 + seconds(1)));
  LONGS_EQUAL(600, limiter.Hit("a", t0 + seconds(0)));
  LONGS_EQUAL(0, limiter.Hit("b", t0 + seconds(2)));
  LONGS_EQUAL(1, limiter.Hit("a", t0 + seconds(599) + milliseconds(500)));
  LONGS_EQUAL(0, limiter.Hit("a", t0 + minutes(10)));
}

TEST_GROUP(Csrf){};

TEST(Csrf, FormTokenIsBoundToTheCookie) {
  const auto key = csrf::DeriveKey("0123456789abcdef0123456789abcdef");
  const auto other_key = csrf::DeriveKey("fedcba9876543210fedcba9876543210");
  const std::string cookie = csrf::NewCookieValue();
  CHECK_TRUE(csrf::WellFormedCookie(cookie));
  CHECK_TRUE(cookie != csrf::NewCookieValue());
  const std::string field = csrf::FormToken(key, cookie);
  CHECK_TRUE(csrf::Valid(key, cookie, field));
  CHECK_FALSE(csrf::Valid(other_key, cookie, field));
  CHECK_FALSE(csrf::Valid(key, csrf::NewCookieValue(), field));
  CHECK_FALSE(csrf::Valid(key, std::nullopt, field));
  CHECK_FALSE(csrf::Valid(key, cookie, ""));
}

TEST_GROUP(Audit){};

TEST(Audit, ValuesStayOnOneLine) {
  STRCMP_EQUAL("jan\\x0d\\x0aFAKE", LogSafe("jan\r\nFAKE").c_str());
  STRCMP_EQUAL("a\\x27b", LogSafe("a'b").c_str());
  CHECK_EQUAL(67u, LogSafe(std::string(200, 'x')).size());
}
