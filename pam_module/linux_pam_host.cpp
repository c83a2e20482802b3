// SPDX-License-Identifier: Apache-2.0
#include "linux_pam_host.h"

#include <pwd.h>
#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace sesam::pam {
namespace {

// Frees a conversation's replies, wiping each text first: they hold passwords.
struct ResponseDeleter {
  void operator()(pam_response* response) const {
    if (response == nullptr) return;
    if (response->resp != nullptr) {
      explicit_bzero(response->resp, std::strlen(response->resp));
      std::free(response->resp);
    }
    std::free(response);
  }
};

std::optional<SecretString> Item(pam_handle_t* handle, int type) {
  const void* item = nullptr;
  if (pam_get_item(handle, type, &item) != PAM_SUCCESS || item == nullptr) return std::nullopt;
  return SecretString(static_cast<const char*>(item));
}

}  // namespace

Result<std::string> LinuxPamHost::User() {
  const char* user = nullptr;
  const int result = pam_get_user(handle_, &user, nullptr);
  if (result != PAM_SUCCESS || user == nullptr || *user == '\0') {
    return NotFoundError(std::string("pam_get_user: ") + pam_strerror(handle_, result));
  }
  return std::string(user);
}

std::vector<std::string> LinuxPamHost::Names(const std::string& user) {
  // The GECOS full name ("Jan de Vries,Room 12,,") when the account has one.
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr || found->pw_gecos == nullptr) {
    return {};
  }
  const std::string_view gecos = found->pw_gecos;
  const std::string_view full_name = gecos.substr(0, gecos.find(','));
  if (full_name.empty()) return {};
  return {std::string(full_name)};
}

bool LinuxPamHost::CallerIsRoot() { return getuid() == 0; }

bool LinuxPamHost::ChangingExpiredAuthtok() {
  return (static_cast<unsigned>(flags_) & static_cast<unsigned>(PAM_CHANGE_EXPIRED_AUTHTOK)) != 0;
}

std::optional<SecretString> LinuxPamHost::NewAuthtok() { return Item(handle_, PAM_AUTHTOK); }
std::optional<SecretString> LinuxPamHost::OldAuthtok() { return Item(handle_, PAM_OLDAUTHTOK); }

Status LinuxPamHost::SetNewAuthtok(const SecretString& password) {
  // Linux-PAM copies the item and wipes its copy when it is replaced or freed.
  const int result = pam_set_item(handle_, PAM_AUTHTOK, password.c_str());
  if (result != PAM_SUCCESS) return InternalError(pam_strerror(handle_, result));
  return Status::Ok();
}

Status LinuxPamHost::Converse(int style, std::string_view text, SecretString* reply) {
  const void* item = nullptr;
  if (pam_get_item(handle_, PAM_CONV, &item) != PAM_SUCCESS || item == nullptr) {
    return UnavailableError("no conversation function");
  }
  const auto* conversation = static_cast<const pam_conv*>(item);
  if (conversation->conv == nullptr) return UnavailableError("no conversation function");
  const std::string message_text(text);
  pam_message message{};
  message.msg_style = style;
  message.msg = message_text.c_str();
  const pam_message* messages[] = {&message};
  pam_response* raw = nullptr;
  const int result = conversation->conv(1, messages, &raw, conversation->appdata_ptr);
  std::unique_ptr<pam_response, ResponseDeleter> response(raw);
  if (result != PAM_SUCCESS) {
    return UnavailableError(std::string("conversation: ") + pam_strerror(handle_, result));
  }
  if (reply != nullptr) {
    if (response == nullptr || response->resp == nullptr) return UnavailableError("no answer");
    *reply = SecretString(response->resp);
  }
  return Status::Ok();
}

Result<SecretString> LinuxPamHost::PromptHidden(std::string_view prompt) {
  SecretString reply;
  if (Status status = Converse(PAM_PROMPT_ECHO_OFF, prompt, &reply); !status.ok()) return status;
  return reply;
}

void LinuxPamHost::ShowError(std::string_view text) {
  (void)Converse(PAM_ERROR_MSG, text, nullptr);
}

void LinuxPamHost::ShowInfo(std::string_view text) {
  if ((static_cast<unsigned>(flags_) & static_cast<unsigned>(PAM_SILENT)) != 0) return;
  (void)Converse(PAM_TEXT_INFO, text, nullptr);
}

void LinuxPamHost::Log(LogLevel level, std::string_view text) {
  int priority = LOG_ERR;
  switch (level) {
    case LogLevel::kError:
      priority = LOG_ERR;
      break;
    case LogLevel::kWarning:
      priority = LOG_WARNING;
      break;
    case LogLevel::kInfo:
      priority = LOG_NOTICE;
      break;
    case LogLevel::kDebug:
      priority = LOG_DEBUG;
      break;
  }
  pam_syslog(handle_, priority, "%.*s", static_cast<int>(text.size()), text.data());
}

}  // namespace sesam::pam
