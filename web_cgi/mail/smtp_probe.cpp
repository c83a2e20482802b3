// SPDX-License-Identifier: Apache-2.0
// libcurl with CURLOPT_CONNECT_ONLY runs an SMTP session's whole set-up
// (greeting, EHLO, STARTTLS, AUTH) and stops before MAIL FROM: measured with
// libcurl 7.88 against the test sink, which stored no message. It does not
// say goodbye (the test server saw no QUIT on cleanup), so QUIT is sent here
// through curl_easy_send, over TLS where the session has it. The debug
// callback sees the dialogue; only verbs and server replies are kept.
#include "sesam/web/smtp_probe.h"

#include <curl/curl.h>
#include <poll.h>

#include <array>
#include <chrono>
#include <mutex>
#include <string_view>

#include "curl_owners.h"
#include "curl_status.h"

namespace sesam::web {
namespace {

constexpr std::array<std::string_view, 5> kVerbs = {"EHLO", "HELO", "STARTTLS", "AUTH", "QUIT"};

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

int OnDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* probe = static_cast<SmtpProbe*>(user);
  const std::string_view text(data, size);
  if (type == CURLINFO_HEADER_IN) {
    // Several reply lines may come in one call.
    std::string_view rest = text;
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      const std::string_view line = TrimLine(rest.substr(0, end));
      if (!line.empty()) probe->dialogue.emplace_back("S: " + std::string(line));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  } else if (type == CURLINFO_HEADER_OUT) {
    // The first word only, and only a known verb: AUTH PLAIN carries the
    // credentials after the verb, AUTH LOGIN's continuations are bare base64.
    const std::string_view line = TrimLine(text);
    const std::string_view verb = line.substr(0, line.find(' '));
    for (const std::string_view known : kVerbs) {
      if (verb == known) {
        probe->dialogue.emplace_back("C: " + std::string(verb));
        probe->last_command = std::string(verb);
      }
    }
  }
  return 0;
}

Status Set(CURL* curl, CURLoption option, auto value) {
  return internal::CurlStatus(curl_easy_setopt(curl, option, value), 0, nullptr);
}

Status Setup(CURL* curl, const config::MailSection& settings, const SecretString& password,
             SmtpProbe* probe) {
  const long timeout_ms = static_cast<long>(settings.timeout.count());
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_URL, settings.smtp_url.c_str()));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_CONNECT_ONLY, 1L));
  if (settings.starttls) SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_USE_SSL, long{CURLUSESSL_ALL}));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_SSL_VERIFYPEER, 1L));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!settings.tls_ca_file.empty()) {
    SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_CAINFO, settings.tls_ca_file.c_str()));
  }
  if (!settings.username.empty()) {
    SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_USERNAME, settings.username.c_str()));
    SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_PASSWORD, password.c_str()));
  }
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_TIMEOUT_MS, timeout_ms));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_NOSIGNAL, 1L));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_DEBUGFUNCTION, &OnDebug));
  SESAM_RETURN_IF_ERROR(Set(curl, CURLOPT_DEBUGDATA, static_cast<void*>(probe)));
  return Set(curl, CURLOPT_VERBOSE, 1L);
}

// Waits until the session's socket is ready for `events`, within `timeout`.
bool WaitSocket(CURL* curl, short events, std::chrono::milliseconds timeout) {
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK ||
      socket == CURL_SOCKET_BAD) {
    return false;
  }
  pollfd wanted{socket, events, 0};
  return ::poll(&wanted, 1, static_cast<int>(timeout.count())) > 0;
}

// QUIT and its reply (221), recorded in the dialogue; best effort: the
// set-up has been judged already.
void Quit(CURL* curl, std::chrono::milliseconds timeout, SmtpProbe& probe) {
  const std::string_view quit = "QUIT\r\n";
  std::size_t done = 0;
  while (done < quit.size()) {
    std::size_t sent = 0;
    const CURLcode code = curl_easy_send(curl, quit.data() + done, quit.size() - done, &sent);
    if (code == CURLE_AGAIN && WaitSocket(curl, POLLOUT, timeout)) continue;
    if (code != CURLE_OK) return;
    done += sent;
  }
  probe.dialogue.emplace_back("C: QUIT");
  probe.last_command = "QUIT";
  std::string reply;
  char buffer[512];
  while (reply.find('\n') == std::string::npos && reply.size() < 4096) {
    std::size_t got = 0;
    const CURLcode code = curl_easy_recv(curl, buffer, sizeof buffer, &got);
    if (code == CURLE_AGAIN && WaitSocket(curl, POLLIN, timeout)) continue;
    if (code != CURLE_OK || got == 0) break;
    reply.append(buffer, got);
  }
  const std::string_view line = TrimLine(std::string_view(reply).substr(0, reply.find('\n')));
  if (!line.empty()) probe.dialogue.emplace_back("S: " + std::string(line));
}

}  // namespace

SmtpProbe ProbeSmtp(const config::MailSection& settings) {
  SmtpProbe probe;
  static std::once_flag curl_init;
  CURLcode init = CURLE_OK;
  std::call_once(curl_init, [&init] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  probe.status = internal::CurlStatus(init, 0, nullptr);
  if (!probe.status.ok()) return probe;
  if (settings.smtp_url.rfind("smtp://", 0) != 0 && settings.smtp_url.rfind("smtps://", 0) != 0) {
    probe.status = {StatusCode::kInvalidArgument,
                    "[mail] smtp_url: expected an smtp:// or smtps:// URL", "smtp.config"};
    return probe;
  }
  SecretString password;
  if (!settings.username.empty()) {
    Result<SecretString> read = config::ReadSecretFile(settings.password_file);
    if (!read.ok()) {
      probe.status = read.status();
      return probe;
    }
    password = std::move(read).value();
  }
  internal::CurlEasy curl(curl_easy_init());
  if (!curl) {
    probe.status = ResourceExhaustedError("curl_easy_init failed");
    return probe;
  }
  probe.status = Setup(curl.get(), settings, password, &probe);
  if (!probe.status.ok()) return probe;
  char detail[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, detail);
  const CURLcode code = curl_easy_perform(curl.get());
  long reply = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply);
  // A successful set-up ends on a 2xx reply (EHLO's 250 or AUTH's 235); only
  // a failure's reply says anything about the failure.
  probe.status = internal::CurlStatus(code, code == CURLE_OK ? 0 : reply, detail);
  probe.tls =
      code == CURLE_OK && (settings.starttls || settings.smtp_url.rfind("smtps://", 0) == 0);
  if (code == CURLE_OK) Quit(curl.get(), settings.timeout, probe);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, nullptr);
  curl.reset();
  return probe;
}

}  // namespace sesam::web
