// SPDX-License-Identifier: Apache-2.0
// How long the lookups of a reset take against a plain read of the same
// entry (issue #15): a search whose filter attribute has no index makes the
// server scan candidates, and grows with the directory, while a base-scope
// read does not. `sesam doctor` warns beyond kSlowLookupFactor.
#pragma once

#include <chrono>
#include <string_view>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap {

// A lookup more than this many times slower than a base read of its entry
// points at a missing index (issue #15).
inline constexpr double kSlowLookupFactor = 20.0;

struct LookupTimes {
  std::chrono::microseconds base_read{};    // base scope on account.dn, every user attribute
  std::chrono::microseconds by_username{};  // directory.FindAccount(username)
  std::chrono::microseconds by_id{};        // directory.FindAccountById(account.id)
};

// The fastest of `runs` of each, after one untimed call of each (connections
// opened, caches warm), so a busy machine inflates the numbers less. The
// base read runs on a connection of its own (settings, bind_password: the
// service account's). Errors: the first failed call's.
Result<LookupTimes> TimeLookups(const config::LdapSection& settings,
                                const SecretString& bind_password, Directory& directory,
                                std::string_view username, const Account& account, int runs = 5);

}  // namespace sesam::ldap
