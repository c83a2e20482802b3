// SPDX-License-Identifier: Apache-2.0
// The libldap options of a connection, every ldap_set_option result checked
// (an ignored refusal once dropped an unreadable CA file without a word), and
// the TLS settings checked before the first connection, so that a bad
// tls_ca_file stops the start with a message instead of failing every
// connection later as "cannot contact the server".
#pragma once

#include <ldap.h>
#include <sys/time.h>

#include <chrono>

#include "sesam/config.h"
#include "sesam/status.h"

namespace sesam::ldap::internal {

// Sets protocol version 3, no referrals, the timeouts, the TLS certificate
// checks and CA file, and builds the handle's TLS context from them. Internal
// for an option libldap refuses; InvalidArgument naming tls_ca_file when the
// TLS context cannot be built from it (libldap fails only for a file it cannot
// open: it loads a file without certificates as an empty list).
Status ApplyOptions(LDAP* ld, const config::LdapSection& settings);

// Without connecting: tls_ca_file can be opened and holds at least one PEM
// certificate (NotFound / PermissionDenied / InvalidArgument naming the key and
// the file), and ApplyOptions accepts the settings on a handle for `uri`.
Status CheckSettings(const config::LdapSection& settings);

// A duration as libldap's timeouts take it.
timeval ToTimeval(std::chrono::milliseconds duration);

}  // namespace sesam::ldap::internal
