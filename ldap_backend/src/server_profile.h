// SPDX-License-Identifier: Apache-2.0
// Finding out what an LDAP server offers (ServerProfile, see
// sesam/ldap/directory.h): the vendor from the rootDSE, the RFC 4528
// assertion control from supportedControl, whether the Sesam schema is
// loaded from the subschema subentry, and from those the id attribute and
// the password-state source. The pure parts are separate for unit tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"
#include "session.h"

namespace sesam::ldap::internal {

// RFC 4528 assertion control.
inline constexpr std::string_view kAssertionControlOid = "1.3.6.1.1.12";
// LDAP_CAP_ACTIVE_DIRECTORY_OID ([MS-ADTS] 3.1.1.3.4.3.1): the server is an AD DC.
inline constexpr std::string_view kActiveDirectoryCapabilityOid = "1.2.840.113556.1.4.800";

inline constexpr std::string_view kVendorOpenLdap = "OpenLDAP";
inline constexpr std::string_view kVendor389 = "389 Directory Server";
inline constexpr std::string_view kVendorActiveDirectory = "Active Directory";
inline constexpr std::string_view kVendorUnknown = "unknown";

// The rootDSE attributes detection asks for.
std::vector<std::string> RootDseAttributes();

// One of the kVendor* names, from a rootDSE entry.
std::string VendorOf(const Entry& root_dse);

// Whether one of `definitions` (subschema objectClasses or attributeTypes
// values, RFC 4512) has `name` among its NAMEs (case-insensitive).
bool SchemaDefines(const std::vector<std::string>& definitions, std::string_view name);

// The attribute Account::id is read from: the configured one, or for auto
// the vendor's own (AD objectGUID, 389-ds nsUniqueId, else entryUUID).
std::string IdAttributeFor(config::IdAttribute setting, std::string_view vendor);

// Reads the rootDSE, the subschema and (for the state source) looks for one
// account with a readable userPassword, on `session`.
Result<ServerProfile> DetectProfile(Session& session, const config::LdapSection& settings);

}  // namespace sesam::ldap::internal
