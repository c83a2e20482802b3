// SPDX-License-Identifier: Apache-2.0
// A bare synchronous libldap connection for the diagnostics of `sesam
// doctor` (write rights, lookup timing): connected, StartTLS and bound as
// the service account exactly as a Session is (ApplyOptions, the same bind),
// but without a pool, read-ahead or retries, and with searches that may
// carry request controls. Not for the portal's requests: those go through
// Session and Pool.
#pragma once

#include <ldap.h>

#include <chrono>
#include <string>
#include <vector>

#include "handles.h"
#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap::internal {

// Connects to settings.uri (in order), StartTLS if configured, binds (simple
// with `bind_password`, or SASL EXTERNAL). Errors as Session::Open's.
Result<LdapPtr> OpenPlain(const config::LdapSection& settings, const SecretString& bind_password);

// A base-scope search of `dn` (the rootDSE for ""): every value of each of
// `attributes`, in their order; NotFound when there is no entry.
Result<std::vector<std::vector<std::string>>> ReadBase(LDAP* ld, const std::string& dn,
                                                       const std::vector<std::string>& attributes,
                                                       LDAPControl** controls,
                                                       std::chrono::milliseconds timeout);

}  // namespace sesam::ldap::internal
