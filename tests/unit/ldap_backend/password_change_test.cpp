// SPDX-License-Identifier: Apache-2.0
// How a bind as the account and Active Directory's change refusals are
// judged (password_change.h): a forced change proves the password; a wrong
// password, a lock and a disabled account are one PermissionDenied.
#include "password_change.h"

#include <CppUTest/TestHarness.h>
#include <ldap.h>

#include <string>

#include "sesam/ldap/directory.h"

using namespace sesam::ldap::internal;
using sesam::StatusCode;

namespace {

WriteResult Bind(int code, std::string diagnostic = "",
                 std::optional<PpolicyError> error = std::nullopt) {
  std::optional<PpolicyResponse> ppolicy;
  if (error) ppolicy = PpolicyResponse{error, std::nullopt, std::nullopt};
  return {MapResult(code, "bind as the account", diagnostic, ppolicy), ppolicy, code};
}

void CheckDenied(const sesam::Status& status) {
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied), static_cast<int>(status.code()));
}

void CheckMustChange(const sesam::Status& status) {
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(status.code()));
  STRCMP_EQUAL(std::string(sesam::ldap::kMustChange).c_str(), status.reason().c_str());
}

}  // namespace

TEST_GROUP(JudgeAccountBind){};

TEST(JudgeAccountBind, SuccessIsProof) { CHECK_TRUE(JudgeAccountBind(Bind(LDAP_SUCCESS)).ok()); }

TEST(JudgeAccountBind, ForcedChangesProveThePassword) {
  CheckMustChange(JudgeAccountBind(Bind(LDAP_SUCCESS, "", PpolicyError::kChangeAfterReset)));
  CheckMustChange(
      JudgeAccountBind(Bind(LDAP_INVALID_CREDENTIALS, "", PpolicyError::kPasswordExpired)));
  CheckMustChange(JudgeAccountBind(Bind(
      LDAP_INVALID_CREDENTIALS,
      "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 532, v4563")));
  CheckMustChange(JudgeAccountBind(Bind(
      LDAP_INVALID_CREDENTIALS,
      "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 773, v4563")));
}

TEST(JudgeAccountBind, WrongLockedAndDisabledAreOneCode) {
  CheckDenied(JudgeAccountBind(Bind(LDAP_INVALID_CREDENTIALS)));
  CheckDenied(JudgeAccountBind(Bind(LDAP_INVALID_CREDENTIALS, "", PpolicyError::kAccountLocked)));
  CheckDenied(JudgeAccountBind(
      Bind(LDAP_INVALID_CREDENTIALS, "AcceptSecurityContext error, data 775, v4563")));
  CheckDenied(JudgeAccountBind(
      Bind(LDAP_INVALID_CREDENTIALS, "AcceptSecurityContext error, data 533, v4563")));
  CheckDenied(JudgeAccountBind(
      Bind(LDAP_INVALID_CREDENTIALS, "AcceptSecurityContext error, data 52e, v4563")));
  // 389-ds: an inactivated account, a lockout.
  CheckDenied(JudgeAccountBind(Bind(LDAP_UNWILLING_TO_PERFORM, "Account inactivated.")));
  CheckDenied(JudgeAccountBind(Bind(LDAP_CONSTRAINT_VIOLATION, "Exceed password retry limit.")));
  // The log may tell them apart.
  CHECK_TRUE(JudgeAccountBind(Bind(LDAP_INVALID_CREDENTIALS, "", PpolicyError::kAccountLocked))
                 .message()
                 .find("locked") != std::string::npos);
}

TEST(JudgeAccountBind, AnUnreachableServerIsNotARefusal) {
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              static_cast<int>(JudgeAccountBind(Bind(LDAP_SERVER_DOWN)).code()));
  LONGS_EQUAL(static_cast<int>(StatusCode::kDeadlineExceeded),
              static_cast<int>(JudgeAccountBind(Bind(LDAP_TIMEOUT)).code()));
}

TEST_GROUP(MapAdChangeRefusal){};

TEST(MapAdChangeRefusal, NamesTheRule) {
  const auto reason = [](int code, const std::string& diagnostic) {
    return MapAdChangeRefusal({MapResult(code, "modify", diagnostic), std::nullopt, code}).reason();
  };
  STRCMP_EQUAL("ppolicy.in_history",
               reason(LDAP_CONSTRAINT_VIOLATION,
                      "0000052D: Constraint violation - check_password_restrictions: the password "
                      "was already used (in history)!")
                   .c_str());
  STRCMP_EQUAL("ppolicy.too_young",
               reason(LDAP_CONSTRAINT_VIOLATION,
                      "0000052D: Constraint violation - check_password_restrictions: password is "
                      "too young to change!")
                   .c_str());
  STRCMP_EQUAL("ppolicy.other", reason(LDAP_CONSTRAINT_VIOLATION, "00002082: other").c_str());
  STRCMP_EQUAL(std::string(sesam::ldap::kChangeNotAllowed).c_str(),
               reason(LDAP_INSUFFICIENT_ACCESS, "00000005: SecErr: DSID-031A11E5").c_str());
  // Samba 4.17 for "user cannot change password".
  STRCMP_EQUAL(std::string(sesam::ldap::kChangeNotAllowed).c_str(),
               reason(LDAP_CONSTRAINT_VIOLATION,
                      "error in module acl: Constraint violation during LDB_MODIFY (19)")
                   .c_str());
  const sesam::Status wrong_old = MapAdChangeRefusal(
      {MapResult(LDAP_CONSTRAINT_VIOLATION, "modify", "00000056: AtrErr: DSID-03190F80"),
       std::nullopt, LDAP_CONSTRAINT_VIOLATION});
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied), static_cast<int>(wrong_old.code()));
}
