// SPDX-License-Identifier: Apache-2.0
// The attributes FindAccount asks the server for. Shared with bench/ldap, so
// that its bare libldap searches ask for exactly the same.
#pragma once

#include <string>
#include <vector>

#include "sesam/config.h"

namespace sesam::ldap::internal {

std::vector<std::string> AccountAttributes(const config::LdapSection& settings);

}  // namespace sesam::ldap::internal
