// SPDX-License-Identifier: Apache-2.0
// Account::id per id attribute: how the directory's value becomes the id a
// token carries, how a token's id is checked, and the filter that finds it
// again. Pure functions (unit-tested with known vectors).
//
// - entryUUID (RFC 4530): "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase hex.
// - nsUniqueId (389-ds): "xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx", lowercase hex.
// - objectGUID (AD): 16 binary bytes; the id is the GUID's canonical string
//   form as Microsoft prints it: the first three groups are little-endian
//   (Data1, Data2, Data3 of the GUID structure), the last two in byte order.
//   The filter asks for the 16 bytes, each \xx-escaped (RFC 4515).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sesam::ldap::internal {

// The id for the attribute's stored value, or nullopt when the value does not
// have the attribute's form (missing, unreadable, or another format).
std::optional<std::string> IdFromValue(std::string_view attribute, std::string_view value);

// The assertion "(attribute=...)" that finds the entry whose id is `id`, or
// nullopt when `id` is not of the attribute's form (no search is made).
std::optional<std::string> IdFilter(std::string_view attribute, std::string_view id);

// objectGUID conversions: 16 bytes <-> canonical string (lowercase).
std::optional<std::string> GuidToString(std::string_view bytes);
std::optional<std::string> GuidFromString(std::string_view text);

}  // namespace sesam::ldap::internal
