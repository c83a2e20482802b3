// SPDX-License-Identifier: Apache-2.0
// Active Directory's particulars (src/active_directory.h): the 0000052D
// refusals as Samba 4.17 and Windows word them, and accountExpires.
#include "active_directory.h"

#include <CppUTest/TestHarness.h>
#include <ldap.h>

#include <chrono>
#include <string>

#include "errors.h"
#include "sesam/ldap/directory.h"

using namespace sesam::ldap::internal;
using sesam::StatusCode;

namespace {

// Samba's diagnostics, verbatim from an unicodePwd write on Samba 4.17
// (tests/integration/ldap/active_directory_test.cpp sees them live).
constexpr const char* kSambaTooShort =
    "0000052D: Constraint violation - check_password_restrictions: the password is too short. "
    "It should be equal or longer than 8 characters!";
constexpr const char* kSambaComplexity =
    "0000052D: Constraint violation - check_password_restrictions: the password does not meet "
    "the complexity criteria!";
constexpr const char* kSambaHistory =
    "0000052D: Constraint violation - check_password_restrictions: the password was already "
    "used (in history)!";
constexpr const char* kSambaPrevious =
    "0000052D: Constraint violation - check_password_restrictions: the password was already "
    "used (previous password)!";
constexpr const char* kSambaTooYoung =
    "0000052D: Constraint violation - check_password_restrictions: password is too young to "
    "change!";
// Windows Server says which attribute, not which rule.
constexpr const char* kWindows =
    "0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 "
    "(CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n";

// accountExpires of a moment `seconds` from the unix epoch, as a FILETIME.
std::string Filetime(long long unix_seconds) {
  return std::to_string((unix_seconds + 11644473600LL) * 10000000LL);
}

Entry With(std::string attribute, std::string value) {
  Entry entry;
  entry.dn = "CN=x,OU=Pupils,DC=school,DC=test";
  entry.attributes.push_back({std::move(attribute), {std::move(value)}});
  return entry;
}

std::chrono::system_clock::time_point At(long long unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

}  // namespace

TEST_GROUP(ActiveDirectory){};

TEST(ActiveDirectory, RecognisesOnlyConstraintViolation52D) {
  CHECK_TRUE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, kSambaTooShort));
  CHECK_TRUE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, kWindows));
  CHECK_TRUE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, "0000052d: lower case"));
  CHECK_FALSE(IsAdPasswordRefusal(LDAP_UNWILLING_TO_PERFORM, kSambaTooShort));
  CHECK_FALSE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, "attribute 'x' is single-valued"));
  CHECK_FALSE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, ""));
  // The code must lead: a later mention is another error's text.
  CHECK_FALSE(IsAdPasswordRefusal(LDAP_CONSTRAINT_VIOLATION, "00000056: see 0000052D"));
}

TEST(ActiveDirectory, SambaNamesTheRule) {
  STRCMP_EQUAL("ppolicy.too_short", std::string(AdPasswordRefusalReason(kSambaTooShort)).c_str());
  STRCMP_EQUAL("ppolicy.complexity",
               std::string(AdPasswordRefusalReason(kSambaComplexity)).c_str());
  STRCMP_EQUAL("ppolicy.in_history", std::string(AdPasswordRefusalReason(kSambaHistory)).c_str());
  STRCMP_EQUAL("ppolicy.in_history", std::string(AdPasswordRefusalReason(kSambaPrevious)).c_str());
  STRCMP_EQUAL("ppolicy.too_young", std::string(AdPasswordRefusalReason(kSambaTooYoung)).c_str());
}

TEST(ActiveDirectory, WindowsGetsTheGenericReason) {
  STRCMP_EQUAL("ppolicy.directory_rules", std::string(AdPasswordRefusalReason(kWindows)).c_str());
}

TEST(ActiveDirectory, MapResultTurnsTheRefusalIntoItsReason) {
  const sesam::Status status = MapResult(LDAP_CONSTRAINT_VIOLATION, "modify", kSambaHistory);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(status.code()));
  STRCMP_EQUAL("ppolicy.in_history", status.reason().c_str());
  CHECK_TRUE(status.message().find("already used") != std::string::npos);
  // Other constraint violations keep their reason (a lost compare-and-swap).
  STRCMP_EQUAL("constraint_violation",
               MapResult(LDAP_CONSTRAINT_VIOLATION, "modify", "single-valued").reason().c_str());
}

TEST(ActiveDirectory, DisabledByUserAccountControl) {
  STRCMP_EQUAL("userAccountControl: 514",
               AdDisabledBy(With("userAccountControl", "514"), At(0)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("userAccountControl", "512"), At(0)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("userAccountControl", "51x"), At(0)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("cn", "x"), At(0)).c_str());
}

TEST(ActiveDirectory, ExpiredByAccountExpires) {
  const long long now = 1800000000;  // 2027-01-15
  STRCMP_EQUAL(("accountExpires: " + Filetime(now - 1) + " (expired)").c_str(),
               AdDisabledBy(With("accountExpires", Filetime(now - 1)), At(now)).c_str());
  STRCMP_EQUAL(("accountExpires: " + Filetime(now) + " (expired)").c_str(),
               AdDisabledBy(With("accountExpires", Filetime(now)), At(now)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("accountExpires", Filetime(now + 60)), At(now)).c_str());
  // "Never": 0 and the largest 64-bit value, as AD writes either.
  STRCMP_EQUAL("", AdDisabledBy(With("accountExpires", "0"), At(now)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("accountExpires", "9223372036854775807"), At(now)).c_str());
  STRCMP_EQUAL("", AdDisabledBy(With("accountExpires", "soon"), At(now)).c_str());
}

TEST(ActiveDirectory, UsernameFromSamAccountName) {
  STRCMP_EQUAL("jan.selle", AdUsername(With("sAMAccountName", "jan.selle")).c_str());
  STRCMP_EQUAL("", AdUsername(With("uid", "jan.selle")).c_str());
}
