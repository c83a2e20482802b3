// SPDX-License-Identifier: Apache-2.0
#include "text.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace sesam::ldap::internal;

TEST_GROUP(FilterEscaping){};

TEST(FilterEscaping, EscapesRfc4515Specials) {
  STRCMP_EQUAL("a\\2ab\\28c\\29d\\5ce", EscapeFilterValue("a*b(c)d\\e").c_str());
  STRCMP_EQUAL("jan\\00x", EscapeFilterValue(std::string("jan\0x", 5)).c_str());
  STRCMP_EQUAL("x\\29\\28|\\28uid=\\2a\\29", EscapeFilterValue("x)(|(uid=*)").c_str());
  STRCMP_EQUAL("plain.name-1", EscapeFilterValue("plain.name-1").c_str());
}

TEST(FilterEscaping, EscapesNonAsciiBytes) {
  STRCMP_EQUAL("zo\\c3\\ab", EscapeFilterValue("zoë").c_str());
}

TEST(FilterEscaping, ExpandsEveryPlaceholder) {
  STRCMP_EQUAL("(|(uid=a\\2a)(mail=a\\2a))",
               ExpandFilter("(|(uid={username})(mail={username}))", "a*").c_str());
  STRCMP_EQUAL("(&(objectClass=x)(uid=*))",
               ExpandFilterAnyUser("(&(objectClass=x)(uid={username}))").c_str());
}

TEST_GROUP(DnEscaping){};

TEST(DnEscaping, EscapesRfc4514Specials) {
  STRCMP_EQUAL("Selle\\, Jan", EscapeDnValue("Selle, Jan").c_str());
  STRCMP_EQUAL("a\\+b\\;c\\<d\\>e\\\"f\\\\g", EscapeDnValue("a+b;c<d>e\"f\\g").c_str());
  STRCMP_EQUAL("\\#x", EscapeDnValue("#x").c_str());
  STRCMP_EQUAL("\\ x\\ ", EscapeDnValue(" x ").c_str());
  STRCMP_EQUAL("a b", EscapeDnValue("a b").c_str());
  STRCMP_EQUAL("a\\00b", EscapeDnValue(std::string("a\0b", 3)).c_str());
}

TEST_GROUP(Addresses){};

TEST(Addresses, StripsSmtpPrefixesAndDeduplicatesKeepingOrder) {
  const auto out = NormalizeAddresses(
      {"SMTP:Jan@School.test", " b@x.test ", "smtp:jan@school.test", "", "B@X.test", "c@x.test"});
  LONGS_EQUAL(3, out.size());
  STRCMP_EQUAL("Jan@School.test", out[0].c_str());
  STRCMP_EQUAL("b@x.test", out[1].c_str());
  STRCMP_EQUAL("c@x.test", out[2].c_str());
}

TEST(Addresses, ExcludesTheOwnAddresses) {
  const auto out = NormalizeAddresses({"JAN@school.test", "mama@x.test"}, {"jan@School.test"});
  LONGS_EQUAL(1, out.size());
  STRCMP_EQUAL("mama@x.test", out[0].c_str());
}

TEST_GROUP(Rounds){};

TEST(Rounds, RoundTripsAndSkipsMalformedItems) {
  const auto rounds = ParseRounds("100:aa bad 200:bb x:cc 300:");
  LONGS_EQUAL(2, rounds.size());
  CHECK_TRUE((rounds[0] == Round{100, "aa"}));
  CHECK_TRUE((rounds[1] == Round{200, "bb"}));
  STRCMP_EQUAL("100:aa 200:bb", FormatRounds(rounds).c_str());
  CHECK_TRUE(ParseRounds("").empty());
}

TEST_GROUP(PasswordStateStamp){};

TEST(PasswordStateStamp, DependsOnTheValuesNotTheirOrder) {
  const std::string a = PasswordState({"{SSHA}x", "{CRYPT}y"}, "");
  STRCMP_EQUAL(a.c_str(), PasswordState({"{CRYPT}y", "{SSHA}x"}, "").c_str());
  CHECK_TRUE(a != PasswordState({"{SSHA}x"}, ""));
  CHECK_TRUE(a != PasswordState({"{SSHA}x", "{CRYPT}y"}, "133"));
  CHECK_TRUE(PasswordState({"ab", "c"}, "") != PasswordState({"a", "bc"}, ""));
  LONGS_EQUAL(32, a.size());
}

TEST(PasswordStateStamp, RandomIdsDiffer) {
  CHECK_TRUE(RandomHex(8) != RandomHex(8));
  LONGS_EQUAL(16, RandomHex(8).size());
}
