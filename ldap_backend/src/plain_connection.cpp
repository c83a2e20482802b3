// SPDX-License-Identifier: Apache-2.0
#include "plain_connection.h"

#include <sys/time.h>

#include "connect.h"
#include "errors.h"
#include "options.h"

namespace sesam::ldap::internal {

Result<LdapPtr> OpenPlain(const config::LdapSection& settings, const SecretString& bind_password) {
  SESAM_ASSIGN_OR_RETURN(Connection connection, ConnectFirst(settings, AllUris(settings)));
  LdapPtr ld = std::move(connection.ld);
  const std::string& uri = settings.uri[connection.uri_index];
  int rc = LDAP_SUCCESS;
  if (settings.start_tls) {
    rc = ldap_start_tls_s(ld.get(), nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      return MapResult(rc, "StartTLS to " + uri, DiagnosticMessage(ld.get()));
    }
  }
  if (settings.sasl_mech == "EXTERNAL") {
    // Present but zero-length credentials, as Session::Open sends them.
    char nothing[] = "";
    berval empty{0, nothing};
    rc = ldap_sasl_bind_s(ld.get(), nullptr, "EXTERNAL", &empty, nullptr, nullptr, nullptr);
  } else {
    berval credentials{bind_password.size(), const_cast<char*>(bind_password.c_str())};
    rc = ldap_sasl_bind_s(ld.get(), settings.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials,
                          nullptr, nullptr, nullptr);
  }
  if (rc != LDAP_SUCCESS) return MapResult(rc, "bind to " + uri, DiagnosticMessage(ld.get()));
  return ld;
}

// Every value of each requested attribute of the one entry at `dn`.
Result<std::vector<std::vector<std::string>>> ReadBase(LDAP* ld, const std::string& dn,
                                                       const std::vector<std::string>& attributes,
                                                       LDAPControl** controls,
                                                       std::chrono::milliseconds timeout) {
  std::vector<char*> names;
  for (const auto& attribute : attributes) names.push_back(const_cast<char*>(attribute.c_str()));
  names.push_back(nullptr);
  timeval limit = ToTimeval(timeout);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(ld, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", names.data(),
                                   0, controls, nullptr, &limit, 1, &raw);
  const MessagePtr message(raw);
  if (rc != LDAP_SUCCESS) return MapResult(rc, "search " + dn, DiagnosticMessage(ld));
  std::vector<std::vector<std::string>> values(attributes.size());
  LDAPMessage* entry = ldap_first_entry(ld, message.get());
  if (entry == nullptr) return NotFoundError("no entry " + dn);
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const BervalsPtr found(ldap_get_values_len(ld, entry, attributes[i].c_str()));
    for (berval** value = found.get(); value != nullptr && *value != nullptr; ++value) {
      values[i].emplace_back((*value)->bv_val, (*value)->bv_len);
    }
  }
  return values;
}

}  // namespace sesam::ldap::internal
