// SPDX-License-Identifier: Apache-2.0
// Host over a real pam_handle_t.
#pragma once

#include <security/pam_modules.h>

#include "host.h"

namespace sesam::pam {

class LinuxPamHost final : public Host {
 public:
  LinuxPamHost(pam_handle_t* handle, int flags) : handle_(handle), flags_(flags) {}

  Result<std::string> User() override;
  std::vector<std::string> Names(const std::string& user) override;
  bool CallerIsRoot() override;
  bool ChangingExpiredAuthtok() override;
  std::optional<SecretString> NewAuthtok() override;
  std::optional<SecretString> OldAuthtok() override;
  Status SetNewAuthtok(const SecretString& password) override;
  Result<SecretString> PromptHidden(std::string_view prompt) override;
  void ShowError(std::string_view text) override;
  void ShowInfo(std::string_view text) override;
  void Log(LogLevel level, std::string_view text) override;

 private:
  // One message through the conversation; the reply (if any) into `reply`.
  Status Converse(int style, std::string_view text, SecretString* reply);

  pam_handle_t* handle_;
  int flags_;
};

}  // namespace sesam::pam
