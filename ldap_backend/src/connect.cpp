// SPDX-License-Identifier: Apache-2.0
#include "connect.h"

#include <numeric>

#include "errors.h"
#include "options.h"

namespace sesam::ldap::internal {

std::string JoinUris(const std::vector<std::string>& uris) {
  std::string out;
  for (const auto& uri : uris) {
    if (!out.empty()) out += ' ';
    out += uri;
  }
  return out;
}

std::string DiagnosticMessage(LDAP* ld) {
  char* raw = nullptr;
  ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw);
  const LdapStringPtr text(raw);
  return text ? text.get() : "";
}

std::vector<std::size_t> AllUris(const config::LdapSection& settings) {
  std::vector<std::size_t> order(settings.uri.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  return order;
}

Result<Connection> ConnectFirst(const config::LdapSection& settings,
                                const std::vector<std::size_t>& order) {
  std::vector<std::string> tried;
  int last_code = LDAP_SERVER_DOWN;
  std::string last_diagnostic = "no URI to try";
  for (const std::size_t index : order) {
    if (index >= settings.uri.size()) continue;
    const std::string& uri = settings.uri[index];
    tried.push_back(uri);
    LDAP* raw = nullptr;
    const int initialized = ldap_initialize(&raw, uri.c_str());
    LdapPtr ld(raw);
    if (initialized != LDAP_SUCCESS || !ld) {
      last_code = initialized;
      last_diagnostic.clear();
      continue;
    }
    // Checked at start too (MakeLdapDirectory); again here because the CA
    // file may have gone since.
    SESAM_RETURN_IF_ERROR(ApplyOptions(ld.get(), settings));
    // An explicit connect, rather than the first operation's implicit one,
    // tells a server that does not answer (try the next) from one that
    // answers and refuses (StartTLS, the bind: the caller's to judge).
    const int connected = ldap_connect(ld.get());
    if (connected == LDAP_SUCCESS) return Connection{std::move(ld), index};
    last_code = connected;
    last_diagnostic = DiagnosticMessage(ld.get());
  }
  return MapResult(last_code, "connect to " + JoinUris(tried), last_diagnostic);
}

}  // namespace sesam::ldap::internal
