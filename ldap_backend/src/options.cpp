// SPDX-License-Identifier: Apache-2.0
#include "options.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "connect.h"
#include "handles.h"
#include "sesam/posix.h"

namespace sesam::ldap::internal {
namespace {

Status SetOption(LDAP* ld, int option, const void* value, std::string_view name) {
  const int rc = ldap_set_option(ld, option, value);
  if (rc == LDAP_OPT_SUCCESS) return Status::Ok();
  // ldap_err2string(LDAP_OPT_ERROR) reads "Can't contact LDAP server", which
  // would mislead: the code is all libldap says.
  return InternalError("LDAP: libldap refused the option " + std::string(name) + " (code " +
                       std::to_string(rc) + ")");
}

// A CA bundle is a few hundred KiB; anything far larger is not one.
constexpr std::size_t kMaxCaFileBytes = 16 * 1024 * 1024;

// What GnuTLS, behind Debian's libldap, reads as a trusted certificate in PEM.
bool HoldsPemCertificate(std::string_view text) {
  for (std::string_view marker : {"-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CERTIFICATE-----",
                                  "-----BEGIN TRUSTED CERTIFICATE-----"}) {
    if (text.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

Status CheckCaFile(const std::string& path) {
  const std::string what = "[ldap] tls_ca_file " + path;
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return ErrnoToStatus(errno, what);
  std::string text;
  char buffer[16384];
  while (text.size() <= kMaxCaFileBytes) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoToStatus(errno, what);
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  if (text.size() > kMaxCaFileBytes) {
    return InvalidArgumentError(what + " is larger than 16 MiB: not a CA certificate file");
  }
  if (!HoldsPemCertificate(text)) {
    return InvalidArgumentError(what +
                                " holds no PEM certificate (-----BEGIN CERTIFICATE-----): "
                                "the directory's certificate could not be verified");
  }
  return Status::Ok();
}

}  // namespace

Status ApplyOptions(LDAP* ld, const config::LdapSection& settings) {
  const int version = LDAP_VERSION3;
  SESAM_RETURN_IF_ERROR(SetOption(ld, LDAP_OPT_PROTOCOL_VERSION, &version, "PROTOCOL_VERSION"));
  SESAM_RETURN_IF_ERROR(SetOption(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "REFERRALS"));
  const timeval network = ToTimeval(settings.network_timeout);
  SESAM_RETURN_IF_ERROR(SetOption(ld, LDAP_OPT_NETWORK_TIMEOUT, &network, "NETWORK_TIMEOUT"));
  const timeval api = ToTimeval(settings.timeout);
  SESAM_RETURN_IF_ERROR(SetOption(ld, LDAP_OPT_TIMEOUT, &api, "TIMEOUT"));
  const int require_cert = settings.tls_verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
  SESAM_RETURN_IF_ERROR(
      SetOption(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require_cert, "X_TLS_REQUIRE_CERT"));
  if (!settings.tls_ca_file.empty()) {
    SESAM_RETURN_IF_ERROR(
        SetOption(ld, LDAP_OPT_X_TLS_CACERTFILE, settings.tls_ca_file.c_str(), "X_TLS_CACERTFILE"));
  }
  // The TLS options above apply only to a context built after them.
  const int is_server = 0;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server) != LDAP_OPT_SUCCESS) {
    if (settings.tls_ca_file.empty()) {
      return InternalError("LDAP: libldap cannot build a TLS context (the system CAs)");
    }
    return InvalidArgumentError("[ldap] tls_ca_file " + settings.tls_ca_file +
                                ": libldap cannot load it (missing or unreadable?)");
  }
  return Status::Ok();
}

Status CheckSettings(const config::LdapSection& settings) {
  if (!settings.tls_ca_file.empty()) SESAM_RETURN_IF_ERROR(CheckCaFile(settings.tls_ca_file));
  // ldap_initialize only parses the URIs: nothing is sent.
  const std::string uris = JoinUris(settings.uri);
  LDAP* raw = nullptr;
  const int rc = ldap_initialize(&raw, uris.c_str());
  const LdapPtr ld(raw);
  if (rc != LDAP_SUCCESS || !ld) {
    return InvalidArgumentError("[ldap] uri " + uris + ": " + ldap_err2string(rc));
  }
  return ApplyOptions(ld.get(), settings);
}

timeval ToTimeval(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return tv;
}

}  // namespace sesam::ldap::internal
