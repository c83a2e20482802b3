// SPDX-License-Identifier: Apache-2.0
// Reaching a server of `[ldap] uri`, shared by the pool's Sessions and the
// diagnostics' plain connections (plain_connection.h): each URI gets its own
// handle, tried in the order given, so the caller knows which one answered
// (the pool fails back to an earlier URI by it: session.h).
#pragma once

#include <ldap.h>

#include <cstddef>
#include <string>
#include <vector>

#include "handles.h"
#include "sesam/config.h"
#include "sesam/status.h"

namespace sesam::ldap::internal {

// A connected, not yet bound handle and the index in settings.uri it reached.
struct Connection {
  LdapPtr ld;
  std::size_t uri_index = 0;
};

// Tries settings.uri[i] for each i of `order`, in that order: a handle with
// ApplyOptions, then a TCP connect (and TLS for ldaps://) bounded by
// network_timeout. The first that connects wins; StartTLS and the bind are
// the caller's. A URI that does not connect is skipped, as libldap skips it
// in a list. All failed -> the last failure's Status (Unavailable for a
// refused or timed-out connect), naming every URI tried; an option libldap
// refuses -> its Status at once (a settings problem, not a server's).
Result<Connection> ConnectFirst(const config::LdapSection& settings,
                                const std::vector<std::size_t>& order);

// Every index of settings.uri, in their order.
std::vector<std::size_t> AllUris(const config::LdapSection& settings);

// The server's (or libldap's) diagnostic text of the last operation on `ld`,
// "" when there is none.
std::string DiagnosticMessage(LDAP* ld);

// "ldap://a ldap://b": URIs for messages.
std::string JoinUris(const std::vector<std::string>& uris);

}  // namespace sesam::ldap::internal
