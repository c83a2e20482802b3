// SPDX-License-Identifier: Apache-2.0
// The one place where LDAP's error space meets Status: result codes, and the
// password policy response control (draft-behera-ldap-password-policy).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sesam/status.h"

namespace sesam::ldap::internal {

// The ppolicy response control's error field, when present.
enum class PpolicyError {
  kPasswordExpired = 0,
  kAccountLocked = 1,
  kChangeAfterReset = 2,
  kPasswordModNotAllowed = 3,
  kMustSupplyOldPassword = 4,
  kInsufficientPasswordQuality = 5,
  kPasswordTooShort = 6,
  kPasswordTooYoung = 7,
  kPasswordInHistory = 8,
  kPasswordTooLong = 9,
};

struct PpolicyResponse {
  std::optional<PpolicyError> error;
  std::optional<int> time_before_expiration;
  std::optional<int> grace_authn_remaining;
};

// Decodes the control's BER value (PasswordPolicyResponseValue). A malformed
// value -> nullopt (treated as if the control were absent).
std::optional<PpolicyResponse> DecodePpolicyResponse(std::string_view ber);

// "ppolicy.in_history", "ppolicy.too_short", "ppolicy.insufficient_quality",
// "ppolicy.too_young" or "ppolicy.other".
std::string_view PpolicyReason(PpolicyError error);

// What an operation was, for messages: "search", "bind", "modify", ...
// Maps an LDAP result code to a Status. `diagnostic` is the server's text
// (kept in the message); `ppolicy` the decoded response control if any: a
// ppolicy error always wins and yields FailedPrecondition with its reason.
// A constraint violation with 389-ds's words for a refusal gets the reason
// they name where the control is missing or says less ("password in
// history", "within password minimum age", "must be at least N characters
// long": too_short rather than the control's insufficient_quality).
// LDAP_SUCCESS -> OK.
Status MapResult(int code, std::string_view operation, std::string_view diagnostic,
                 const std::optional<PpolicyResponse>& ppolicy = std::nullopt);

}  // namespace sesam::ldap::internal
