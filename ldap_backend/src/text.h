// SPDX-License-Identifier: Apache-2.0
// The pure text work of the LDAP backend, one tested function per job:
// escaping into filters (RFC 4515) and DNs (RFC 4514), address normalization,
// the reset-round list, and the password-state stamp.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sesam::ldap::internal {

// RFC 4515 assertion value: `*`, `(`, `)`, `\`, NUL and every byte outside
// printable ASCII become \XX, so a username can never change a filter's shape.
std::string EscapeFilterValue(std::string_view value);

// `filter` with every "{username}" replaced by EscapeFilterValue(username).
std::string ExpandFilter(std::string_view filter, std::string_view username);

// `filter` with every "{username}" replaced by `*`: any account.
std::string ExpandFilterAnyUser(std::string_view filter);

// RFC 4514 attribute value: `"+,;<>\` and NUL escaped, a leading `#` or space
// and a trailing space escaped.
std::string EscapeDnValue(std::string_view value);

// Mail values as the Account wants them: an "smtp:" prefix (any case, AD
// proxyAddresses) stripped, surrounding blanks trimmed, empty values dropped,
// de-duplicated case-insensitively with the first spelling kept, and nothing
// that is already in `exclude` (compared case-insensitively).
std::vector<std::string> NormalizeAddresses(const std::vector<std::string>& values,
                                            const std::vector<std::string>& exclude = {});

// One recorded reset round.
struct Round {
  long long unix_seconds = 0;
  std::string id;
  friend bool operator==(const Round&, const Round&) = default;
};

// "<seconds>:<id> <seconds>:<id>" (oldest first); malformed items are skipped.
std::vector<Round> ParseRounds(std::string_view value);
std::string FormatRounds(const std::vector<Round>& rounds);

// Opaque password-state stamp: hex SHA-256 over the sorted userPassword
// values and, for Active Directory, pwdLastSet. Changes whenever a password
// is written by any path (every write stores a new, freshly salted value).
std::string PasswordState(std::vector<std::string> user_passwords, std::string_view pwd_last_set);

// A random hex id of `bytes` bytes (for round and claim ids).
std::string RandomHex(std::size_t bytes);

}  // namespace sesam::ldap::internal
