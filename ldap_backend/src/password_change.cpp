// SPDX-License-Identifier: Apache-2.0
#include "password_change.h"

#include <ldap.h>

#include <chrono>
#include <thread>

#include "password_hash.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"

namespace sesam::ldap::internal {
namespace {

constexpr std::chrono::milliseconds kProofPause{200};

bool Unreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

Status MustChange(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), std::string(kMustChange));
}

Status Refused(const std::string& why) {
  return PermissionDeniedError("bind as the account refused: " + why);
}

bool EqualsFalse(std::string_view value) {
  return value.size() == 5 && (value[0] == 'F' || value[0] == 'f') &&
         (value.substr(1) == "ALSE" || value.substr(1) == "alse");
}

Status NotChanged(const Status& failure) {
  return Status(failure.code(), failure.message() + " (the password was not changed)",
                std::string(kPasswordNotChanged));
}

}  // namespace

Status JudgeAccountBind(const WriteResult& bound) {
  const std::string& message = bound.status.message();
  const std::optional<PpolicyError> error =
      bound.ppolicy ? bound.ppolicy->error : std::optional<PpolicyError>();
  if (bound.code == LDAP_SUCCESS) {
    // slapd binds an account whose pwdReset is TRUE (pwdMustChange) but
    // allows it nothing but a change: the password is right.
    if (error == PpolicyError::kChangeAfterReset) {
      return MustChange("the password must be changed after a reset (ppolicy changeAfterReset)");
    }
    return Status::Ok();
  }
  if (error == PpolicyError::kPasswordExpired) {
    return MustChange("the password expired (ppolicy passwordExpired)");
  }
  if (error == PpolicyError::kChangeAfterReset) {
    return MustChange("the password must be changed after a reset (ppolicy changeAfterReset)");
  }
  if (error == PpolicyError::kAccountLocked) return Refused("the account is locked (ppolicy)");
  if (bound.code == LDAP_INVALID_CREDENTIALS) {
    // Active Directory says why in the diagnostic: "..., data 532, v4563".
    if (Contains(message, "data 532")) return MustChange("the password expired (AD data 532)");
    if (Contains(message, "data 773"))
      return MustChange("the password must be reset (AD data 773)");
    if (Contains(message, "data 775")) return Refused("the account is locked (AD data 775)");
    if (Contains(message, "data 533")) return Refused("the account is disabled (AD data 533)");
    if (Contains(message, "data 701")) return Refused("the account expired (AD data 701)");
    return Refused("wrong password");
  }
  if (Unreachable(bound.status) || bound.status.code() == StatusCode::kInternal ||
      bound.status.code() == StatusCode::kInvalidArgument) {
    return bound.status;
  }
  if (bound.status.ok()) return UnavailableError("bind as the account: unexpected answer");
  // 389-ds answers an inactivated account with unwillingToPerform and a
  // lockout with constraintViolation: refusals like a wrong password.
  return Refused(message);
}

Status VerifyAccountPassword(const config::LdapSection& settings, const std::string& dn,
                             const SecretString& password) {
  return JudgeAccountBind(Session::BindAsAccount(settings, dn, password));
}

Status CheckUserMayChange(Pool& pool, const std::string& dn) {
  return pool.Run([&](Session& session) -> Status {
    SESAM_ASSIGN_OR_RETURN(
        std::vector<Entry> entries,
        session.Search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", {"pwdPolicySubentry"}, 1));
    if (entries.empty()) return NotFoundError("the account's entry is gone");
    const std::string policy = entries.front().First("pwdPolicySubentry");
    if (policy.empty()) return Status::Ok();
    Result<std::vector<Entry>> policies =
        session.Search(policy, LDAP_SCOPE_BASE, "(objectClass=*)", {"pwdAllowUserChange"}, 1);
    if (!policies.ok()) {
      if (Unreachable(policies.status())) return policies.status();
      // Not readable by the service account: the directory decides alone.
      log::Warning("LDAP: cannot read the password policy " + policy + " of " + dn + ": " +
                   policies.status().message());
      return Status::Ok();
    }
    if (!policies->empty() && EqualsFalse(policies->front().First("pwdAllowUserChange"))) {
      return Status(StatusCode::kPermissionDenied,
                    "the password policy " + policy + " has pwdAllowUserChange: FALSE",
                    std::string(kChangeNotAllowed));
    }
    return Status::Ok();
  });
}

Status MapAdChangeRefusal(const WriteResult& written) {
  const std::string& message = written.status.message();
  // AD's rules (0000052D: history, age, length, complexity) were mapped to
  // their ppolicy.* reasons by MapResult (active_directory.h).
  if (written.status.reason().rfind("ppolicy.", 0) == 0) return written.status;
  if (written.code == LDAP_INSUFFICIENT_ACCESS) {
    // "User cannot change password" is a deny ACE on the change-password
    // right for Everyone and SELF.
    return Status(StatusCode::kPermissionDenied, message, std::string(kChangeNotAllowed));
  }
  if (written.code == LDAP_CONSTRAINT_VIOLATION && Contains(message, "error in module acl")) {
    // Samba's answer to the same deny ACE: its acl module refuses the change
    // as a constraint violation, without a 0000052D code ("error in module
    // acl: Constraint violation during LDB_MODIFY", seen with Samba 4.17).
    return Status(StatusCode::kPermissionDenied, message, std::string(kChangeNotAllowed));
  }
  if (written.code == LDAP_CONSTRAINT_VIOLATION || written.code == LDAP_UNWILLING_TO_PERFORM) {
    // 0x56 ERROR_INVALID_PASSWORD: the old password is wrong.
    if (Contains(message, "00000056")) {
      return PermissionDeniedError("the directory did not accept the current password");
    }
    return Status(StatusCode::kFailedPrecondition, message, "ppolicy.other");
  }
  return written.status;
}

Status ChangeWithOldPassword(const config::LdapSection& settings, Pool& pool, const std::string& dn,
                             const SecretString& current, const SecretString& new_password) {
  const bool ad = settings.password_mode == config::PasswordMode::kAd;
  WriteResult written;
  bool sent = false;
  const Status ran = pool.Run([&](Session& session) -> Status {
    if (ad) {
      if (!session.tls()) {
        return PermissionDeniedError("password_mode = ad needs a TLS-protected connection");
      }
      Result<std::string> old_value = UnicodePwd(current);
      if (!old_value.ok()) return old_value.status();
      Result<std::string> new_value = UnicodePwd(new_password);
      if (!new_value.ok()) {
        WipeString(*old_value);
        return new_value.status();
      }
      // Delete-old/add-new in one modify is AD's "change password": it
      // checks the old value and applies history and minimum age.
      std::vector<Modification> mods{{LDAP_MOD_DELETE, "unicodePwd", {*old_value}},
                                     {LDAP_MOD_ADD, "unicodePwd", {*new_value}}};
      WipeString(*old_value);
      WipeString(*new_value);
      sent = true;
      written = session.Modify(dn, mods, "");
      WipeString(mods[0].values[0]);
      WipeString(mods[1].values[0]);
    } else {
      sent = true;
      written = session.PasswordChange(dn, current, new_password);
    }
    return written.status;
  });
  if (ran.ok()) return ran;
  if (!sent || !Unreachable(written.status)) {
    if (!sent) return Unreachable(ran) ? NotChanged(ran) : ran;
    if (written.status.reason().rfind("ppolicy.", 0) == 0) return written.status;
    if (ad) return MapAdChangeRefusal(written);
    if (written.code == LDAP_UNWILLING_TO_PERFORM) {
      // slapd: "unwilling to verify old password".
      return PermissionDeniedError("the directory did not accept the current password");
    }
    if (written.code == LDAP_CONSTRAINT_VIOLATION) {
      return Status(StatusCode::kFailedPrecondition, written.status.message(), "ppolicy.other");
    }
    return written.status;
  }
  // The answer was lost: a bind with the new password on a new connection
  // tells whether it landed (a failed one counts for the lockout policy).
  // A server that is not back yet is asked again, for up to timeout +
  // network_timeout, as SetPassword's read-back does.
  const auto deadline =
      std::chrono::steady_clock::now() + settings.timeout + settings.network_timeout;
  Status proof = VerifyAccountPassword(settings, dn, new_password);
  while (Unreachable(proof) && std::chrono::steady_clock::now() + kProofPause < deadline) {
    std::this_thread::sleep_for(kProofPause);
    proof = VerifyAccountPassword(settings, dn, new_password);
  }
  if (proof.ok() || proof.reason() == kMustChange) {
    log::Warning("LDAP: the answer to a password change for " + dn +
                 " was lost; a bind with the new password shows it landed");
    return Status::Ok();
  }
  log::Warning("LDAP: the answer to a password change for " + dn +
               " was lost and could not be confirmed: " + proof.message());
  return Status(written.status.code(),
                written.status.message() + "; the new password may or may not be in place",
                std::string(kPasswordUnconfirmed));
}

}  // namespace sesam::ldap::internal
