// SPDX-License-Identifier: Apache-2.0
// The seam between the module's logic and Linux-PAM: everything the password
// change needs from the PAM handle and the process. LinuxPamHost is the real
// one (linux_pam_host.cpp); unit tests drive the logic through a fake.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::pam {

enum class LogLevel { kError, kWarning, kInfo, kDebug };

class Host {
 public:
  virtual ~Host() = default;

  // The user whose password changes (PAM_USER); NotFound when unknown.
  virtual Result<std::string> User() = 0;
  // Given name and surname of `user` when the system knows them (GECOS).
  virtual std::vector<std::string> Names(const std::string& user) = 0;
  // Whether the calling process runs as root (root changing another user's
  // password sees failures as warnings unless enforce_for_root).
  virtual bool CallerIsRoot() = 0;
  // Whether the application asks to change an expired password only
  // (PAM_CHANGE_EXPIRED_AUTHTOK): login, sshd and display managers do, as
  // root, when an account must change its password before it may log in.
  virtual bool ChangingExpiredAuthtok() = 0;

  // PAM_AUTHTOK / PAM_OLDAUTHTOK, when an earlier module set them.
  virtual std::optional<SecretString> NewAuthtok() = 0;
  virtual std::optional<SecretString> OldAuthtok() = 0;
  virtual Status SetNewAuthtok(const SecretString& password) = 0;

  // Asks without echo; Unavailable when there is no conversation or it fails.
  virtual Result<SecretString> PromptHidden(std::string_view prompt) = 0;
  // One PAM_ERROR_MSG / PAM_TEXT_INFO each; failures are ignored (nothing to
  // tell the user about a broken channel to the user).
  virtual void ShowError(std::string_view text) = 0;
  virtual void ShowInfo(std::string_view text) = 0;

  // pam_syslog: never a password.
  virtual void Log(LogLevel level, std::string_view text) = 0;
};

}  // namespace sesam::pam
