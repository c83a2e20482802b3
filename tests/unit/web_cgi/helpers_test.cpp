// SPDX-License-Identifier: Apache-2.0
// The small decisions: language, return URL, client address and key, per-client limit, log
// throttle, CSRF tokens, log-safe values.
#include "audit.h"
#include "client_ip.h"
#include "csrf.h"
#include "log_throttle.h"
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

namespace {
std::string Client(const ProxyList& proxies, std::string_view remote, std::string_view xff,
                   std::string_view forwarded = {}) {
  return ClientIp(proxies, remote, xff, forwarded).address;
}
}  // namespace

TEST(ClientIp, ForwardedForOnlyFromTrustedProxies) {
  const ProxyList proxies({"10.0.0.0/8", "::1"});
  STRCMP_EQUAL("192.0.2.7", Client(proxies, "192.0.2.7", "198.51.100.1").c_str());
  STRCMP_EQUAL("198.51.100.1", Client(proxies, "10.1.2.3", "198.51.100.1").c_str());
  STRCMP_EQUAL("198.51.100.1",
               Client(proxies, "10.1.2.3", "203.0.113.9, 198.51.100.1, 10.9.9.9").c_str());
  STRCMP_EQUAL("10.1.2.3", Client(proxies, "10.1.2.3", "garbage").c_str());
  STRCMP_EQUAL("2001:db8::5", Client(proxies, "::1", "2001:db8::5").c_str());
  CHECK_FALSE(ProxyList({"10.0.0.0/8"}).Contains("11.0.0.1"));
  CHECK_TRUE(ProxyList({"192.168.1.128/25"}).Contains("192.168.1.200"));
  CHECK_FALSE(ProxyList({"192.168.1.128/25"}).Contains("192.168.1.100"));
  // From an untrusted peer the Forwarded header is ignored as well.
  STRCMP_EQUAL("192.0.2.7", Client(proxies, "192.0.2.7", "", "for=198.51.100.1").c_str());
}

TEST(ClientIp, HopsWithPorts) {
  const ProxyList proxies({"10.0.0.0/8"});
  STRCMP_EQUAL("198.51.100.1", Client(proxies, "10.1.2.3", "198.51.100.1:51234").c_str());
  STRCMP_EQUAL("2001:db8::7", Client(proxies, "10.1.2.3", "[2001:db8::7]:443").c_str());
  STRCMP_EQUAL("2001:db8::7", Client(proxies, "10.1.2.3", "[2001:db8::7]").c_str());
  // A proxy hop with a port is still a proxy: the client is left of it.
  STRCMP_EQUAL("198.51.100.1",
               Client(proxies, "10.1.2.3", "198.51.100.1:1, 10.9.9.9:8080").c_str());
  // Ports that are not ports, brackets around IPv4, and "a:1" are not addresses.
  for (const char* bad : {"198.51.100.1:", "198.51.100.1:123456", "198.51.100.1:x",
                          "[198.51.100.1]:80", "[2001:db8::7", "[2001:db8::7]x", "beef:1"}) {
    const ClientAddress client = ClientIp(proxies, "10.1.2.3", bad);
    STRCMP_EQUAL_TEXT("10.1.2.3", client.address.c_str(), bad);
    CHECK_FALSE_TEXT(client.problem.empty(), bad);
  }
}

TEST(ClientIp, ForwardedHeader) {
  const ProxyList proxies({"10.0.0.0/8"});
  STRCMP_EQUAL("198.51.100.1", Client(proxies, "10.1.2.3", "", "for=198.51.100.1").c_str());
  STRCMP_EQUAL("198.51.100.1",
               Client(proxies, "10.1.2.3", "", "For=\"198.51.100.1:4711\";proto=https").c_str());
  STRCMP_EQUAL("2001:db8:cafe::17",
               Client(proxies, "10.1.2.3", "",
                      "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.1")
                   .c_str());
  STRCMP_EQUAL(
      "198.51.100.1",
      Client(proxies, "10.1.2.3", "", "for=198.51.100.1;proto=http, for=10.2.2.2").c_str());
  // X-Forwarded-For, when present, is the one read.
  STRCMP_EQUAL("203.0.113.5",
               Client(proxies, "10.1.2.3", "203.0.113.5", "for=198.51.100.1").c_str());
}

TEST(ClientIp, UnknownOrGarbageHopCountsAsTheProxyAndSaysWhy) {
  const ProxyList proxies({"10.0.0.0/8"});
  for (const auto& [xff, forwarded] :
       std::vector<std::pair<std::string, std::string>>{{"unknown", ""},
                                                        {"", "for=unknown"},
                                                        {"", "for=_hidden;proto=https"},
                                                        {"", "proto=https"},
                                                        {"198.51.100.1, ", ""},
                                                        {"not an address", ""}}) {
    const ClientAddress client = ClientIp(proxies, "10.1.2.3", xff, forwarded);
    STRCMP_EQUAL_TEXT("10.1.2.3", client.address.c_str(), (xff + forwarded).c_str());
    CHECK_TRUE_TEXT(client.problem.find("not an address") != std::string::npos,
                    (xff + forwarded).c_str());
  }
  // What the problem repeats of the hop is short and on one line.
  const ClientAddress flood =
      ClientIp(proxies, "10.1.2.3", std::string(1000, 'x') + "\r\nFAKE", "");
  CHECK_TRUE(flood.problem.size() < 200);
  CHECK_TRUE(flood.problem.find('\n') == std::string::npos);
  CHECK_TRUE(ClientIp(proxies, "10.1.2.3", "198.51.100.1", "").problem.empty());
}

TEST_GROUP(ClientKey){};

TEST(ClientKey, Ipv4WholeIpv6ByPrefix64MappedIsIpv4) {
  CHECK_TRUE(ClientKeyOf("192.0.2.7") == ClientKeyOf("::ffff:192.0.2.7"));
  CHECK_TRUE(ClientKeyOf("192.0.2.7") == ClientKeyOf(" 192.0.2.7 "));
  CHECK_FALSE(ClientKeyOf("192.0.2.7") == ClientKeyOf("192.0.2.8"));
  CHECK_TRUE(ClientKeyOf("2001:db8:1:2::1") == ClientKeyOf("2001:db8:1:2:ffff:eeee:dddd:cccc"));
  CHECK_FALSE(ClientKeyOf("2001:db8:1:2::1") == ClientKeyOf("2001:db8:1:3::1"));
  // Not an address: one key of its own, not any address's.
  CHECK_TRUE(ClientKeyOf("garbage") == ClientKeyOf(""));
  CHECK_FALSE(ClientKeyOf("garbage") == ClientKeyOf("::"));
  CHECK_FALSE(ClientKeyOf("garbage") == ClientKeyOf("255.255.255.255"));
  CHECK_FALSE(ClientKeyOf("::") == ClientKeyOf("0.0.0.0"));
}

TEST_GROUP(RateLimit){};

namespace {
ClientKey Key(int i) {
  return ClientKeyOf("10." + std::to_string((i >> 16) & 255) + "." +
                     std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255));
}
}  // namespace

TEST(RateLimit, SlidingWindowWithRetryAfter) {
  using namespace std::chrono;
  RateLimiter limiter("test", {2, minutes(10)});
  const ClientKey a = ClientKeyOf("192.0.2.1");
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  LONGS_EQUAL(0, limiter.Hit(a, t0));
  LONGS_EQUAL(0, limiter.Hit(a, t0 + seconds(1)));
  // Counted in eighths of the window: the wait is at most one eighth (75 s)
  // longer than an exact window's.
  LONGS_EQUAL(675, limiter.Hit(a, t0 + seconds(0)));
  LONGS_EQUAL(675, limiter.Check(a, t0 + seconds(0)));
  LONGS_EQUAL(0, limiter.Hit(ClientKeyOf("192.0.2.2"), t0 + seconds(2)));
  LONGS_EQUAL(76, limiter.Hit(a, t0 + seconds(599) + milliseconds(500)));
  LONGS_EQUAL(75, limiter.Hit(a, t0 + minutes(10)));
  LONGS_EQUAL(0, limiter.Hit(a, t0 + minutes(10) + seconds(75)));
}

TEST(RateLimit, NeverMoreThanTheLimitInAnyWindow) {
  using namespace std::chrono;
  RateLimiter limiter("test", {5, seconds(80)});
  const ClientKey a = ClientKeyOf("192.0.2.1");
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  std::vector<RateLimiter::Clock::time_point> allowed;
  for (int ms = 0; ms < 400'000; ms += 700) {
    if (limiter.Hit(a, t0 + milliseconds(ms)) == 0) allowed.push_back(t0 + milliseconds(ms));
  }
  CHECK_TRUE(allowed.size() > 20);  // it does let through, about 5 per 90 s
  for (std::size_t i = 5; i < allowed.size(); ++i) {
    CHECK_TRUE(allowed[i] - allowed[i - 5] >= seconds(80));
  }
}

TEST(RateLimit, CheckDoesNotCount) {
  using namespace std::chrono;
  RateLimiter limiter("test", {1, minutes(1)});
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  for (int i = 0; i < 5; ++i) LONGS_EQUAL(0, limiter.Check(Key(1), t0));
  LONGS_EQUAL(0u, limiter.size());
  LONGS_EQUAL(0, limiter.Hit(Key(1), t0));
  CHECK_TRUE(limiter.Check(Key(1), t0) > 0);
}

TEST(RateLimit, RefundGivesBackOneCountedEventWhileItIsInTheWindow) {
  using namespace std::chrono;
  RateLimiter limiter("test", {2, minutes(8)});  // slices of one minute
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  LONGS_EQUAL(0, limiter.Hit(Key(1), t0));
  LONGS_EQUAL(0, limiter.Hit(Key(1), t0 + seconds(70)));
  CHECK_TRUE(limiter.Hit(Key(1), t0 + seconds(80)) > 0);
  // The first event, given back in a later slice: room for one more.
  limiter.Refund(Key(1), t0);
  LONGS_EQUAL(0, limiter.Hit(Key(1), t0 + seconds(90)));
  CHECK_TRUE(limiter.Hit(Key(1), t0 + seconds(95)) > 0);
  // Nothing to give back: never counted, or already out of the window.
  limiter.Refund(Key(2), t0);
  LONGS_EQUAL(1u, limiter.size());
  limiter.Refund(Key(1), t0 - minutes(20));
  CHECK_TRUE(limiter.Check(Key(1), t0 + seconds(100)) > 0);
  // A slot refunded to zero stays at zero.
  limiter.Refund(Key(1), t0);
  limiter.Refund(Key(1), t0);
  CHECK_TRUE(limiter.Check(Key(1), t0 + seconds(100)) > 0);
}

TEST(RateLimit, ClientsWhoseEventsLeftTheWindowAreDropped) {
  using namespace std::chrono;
  RateLimiter limiter("test", {3, minutes(1)});
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  for (int i = 0; i < 1000; ++i) LONGS_EQUAL(0, limiter.Hit(Key(i), t0));
  LONGS_EQUAL(1000u, limiter.size());
  LONGS_EQUAL(0, limiter.Hit(Key(5000), t0 + minutes(2)));
  LONGS_EQUAL(1u, limiter.size());
}

TEST(RateLimit, AFloodOfFreshAddressesKeepsWithinTheCapAndKeepsTheHeavyHitters) {
  using namespace std::chrono;
  RateLimiter limiter("test", {5, minutes(10)}, 1000);
  const auto t0 = RateLimiter::Clock::time_point() + hours(1);
  // Two heavy hitters at the limit, then 20 000 fresh addresses in the window.
  for (int i = 0; i < 5; ++i) {
    LONGS_EQUAL(0, limiter.Hit(Key(1'000'001), t0));
    LONGS_EQUAL(0, limiter.Hit(Key(1'000'002), t0));
  }
  for (int i = 0; i < 20'000; ++i) {
    LONGS_EQUAL(0, limiter.Hit(Key(i), t0 + milliseconds(i)));
    CHECK_TRUE(limiter.size() <= 1000);
  }
  CHECK_TRUE(limiter.TakeEvicted() >= 19'000);
  CHECK_TRUE(limiter.Hit(Key(1'000'001), t0 + seconds(30)) > 0);
  CHECK_TRUE(limiter.Hit(Key(1'000'002), t0 + seconds(30)) > 0);
}

TEST_GROUP(LogThrottle){};

TEST(LogThrottle, SomeLinesAMinuteThenHowManyWereLeftOut) {
  using namespace std::chrono;
  LogThrottle throttle("test", 3, minutes(1));
  const auto t0 = LogThrottle::Clock::time_point() + hours(1);
  std::uint64_t left_out = 99;
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    if (throttle.Admit(t0 + milliseconds(i), left_out)) {
      ++admitted;
      LONGS_EQUAL(0, left_out);
    }
  }
  LONGS_EQUAL(3, admitted);
  // The next interval's first line carries the count of the 97 left out.
  CHECK_TRUE(throttle.Admit(t0 + minutes(1), left_out));
  LONGS_EQUAL(97, left_out);
  CHECK_TRUE(throttle.Admit(t0 + minutes(1), left_out));
  LONGS_EQUAL(0, left_out);
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
