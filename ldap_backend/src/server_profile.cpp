// SPDX-License-Identifier: Apache-2.0
#include "server_profile.h"

#include <ldap.h>

#include <algorithm>
#include <cctype>

#include "text.h"

namespace sesam::ldap::internal {
namespace {

bool Contains(const std::vector<std::string>& values, std::string_view wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool ContainsIgnoringCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return Lower(a) == Lower(b); }) != haystack.end();
}

// The NAME part of an RFC 4512 definition: "NAME 'x'" or "NAME ( 'x' 'y' )".
std::string_view NamesOf(std::string_view definition) {
  std::size_t at = 0;
  for (;;) {
    at = definition.find("NAME", at);
    if (at == std::string_view::npos) return {};
    // A keyword, not the inside of a quoted string such as DESC 'NAME ...'.
    if (at > 0 && definition[at - 1] == ' ' && at + 4 < definition.size() &&
        definition[at + 4] == ' ') {
      break;
    }
    at += 4;
  }
  std::string_view rest = definition.substr(at + 5);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return {};
  if (rest.front() == '(') {
    const std::size_t close = rest.find(')');
    return rest.substr(0, close == std::string_view::npos ? rest.size() : close + 1);
  }
  const std::size_t close = rest.find('\'', 1);
  return rest.substr(0, close == std::string_view::npos ? rest.size() : close + 1);
}

}  // namespace

std::vector<std::string> RootDseAttributes() {
  return {"vendorName",        "vendorVersion", "supportedControl", "supportedCapabilities",
          "subschemaSubentry", "objectClass"};
}

std::string VendorOf(const Entry& root_dse) {
  if (Contains(root_dse.Values("supportedCapabilities"), kActiveDirectoryCapabilityOid)) {
    return std::string(kVendorActiveDirectory);
  }
  const std::string vendor = root_dse.First("vendorName");
  // 389-ds says "389 Project"; its Red Hat build "Red Hat, Inc.".
  if (ContainsIgnoringCase(vendor, "389") || ContainsIgnoringCase(vendor, "Red Hat")) {
    return std::string(kVendor389);
  }
  // OpenLDAP publishes no vendorName; its rootDSE's class is its own.
  for (const auto& object_class : root_dse.Values("objectClass")) {
    if (ContainsIgnoringCase(object_class, "OpenLDAProotDSE")) return std::string(kVendorOpenLdap);
  }
  if (ContainsIgnoringCase(vendor, "OpenLDAP")) return std::string(kVendorOpenLdap);
  return std::string(kVendorUnknown);
}

bool SchemaDefines(const std::vector<std::string>& definitions, std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  return std::any_of(definitions.begin(), definitions.end(), [&](const std::string& definition) {
    const std::string_view names = NamesOf(definition);
    if (names.size() < quoted.size()) return false;
    for (std::size_t i = 0; i + quoted.size() <= names.size(); ++i) {
      if (std::equal(quoted.begin(), quoted.end(), names.begin() + static_cast<long>(i),
                     [](char a, char b) { return Lower(a) == Lower(b); })) {
        return true;
      }
    }
    return false;
  });
}

std::string IdAttributeFor(config::IdAttribute setting, std::string_view vendor) {
  switch (setting) {
    case config::IdAttribute::kEntryUuid:
      return "entryUUID";
    case config::IdAttribute::kNsUniqueId:
      return "nsUniqueId";
    case config::IdAttribute::kObjectGuid:
      return "objectGUID";
    case config::IdAttribute::kAuto:
      break;
  }
  if (vendor == kVendorActiveDirectory) return "objectGUID";
  if (vendor == kVendor389) return "nsUniqueId";
  return "entryUUID";
}

Result<ServerProfile> DetectProfile(Session& session, const config::LdapSection& settings) {
  SESAM_ASSIGN_OR_RETURN(
      std::vector<Entry> roots,
      session.Search("", LDAP_SCOPE_BASE, "(objectClass=*)", RootDseAttributes(), 1));
  const Entry root = roots.empty() ? Entry{} : std::move(roots.front());
  ServerProfile profile;
  profile.vendor = VendorOf(root);
  profile.id_attribute = IdAttributeFor(settings.id_attribute, profile.vendor);
  profile.assertion_control = Contains(root.Values("supportedControl"), kAssertionControlOid);

  // The Sesam schema: all of it, or it is not used.
  const std::string subschema = root.First("subschemaSubentry");
  if (!subschema.empty()) {
    SESAM_ASSIGN_OR_RETURN(std::vector<Entry> schemas,
                           session.Search(subschema, LDAP_SCOPE_BASE, "(objectClass=*)",
                                          {"objectClasses", "attributeTypes"}, 1));
    if (!schemas.empty()) {
      const Entry& schema = schemas.front();
      profile.sesam_schema = SchemaDefines(schema.Values("objectClasses"), "sesamAccount") &&
                             SchemaDefines(schema.Values("attributeTypes"), "sesamResetRounds") &&
                             SchemaDefines(schema.Values("attributeTypes"), "sesamPasswordClaim");
    }
  }

  if (profile.vendor == kVendorActiveDirectory) {
    profile.state_source = "pwdLastSet";
    return profile;
  }
  // userPassword unless the service account cannot read it: a filter on an
  // attribute the account may not read matches nothing, so no account with a
  // readable password but some with pwdChangedTime means pwdChangedTime.
  const std::string any_user = ExpandFilterAnyUser(settings.user_filter);
  const int scope =
      settings.scope == config::LdapScope::kOne ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
  SESAM_ASSIGN_OR_RETURN(
      std::vector<Entry> readable,
      session.Search(settings.base, scope, "(&" + any_user + "(userPassword=*))", {"1.1"}, 1));
  profile.state_source = "userPassword";
  if (readable.empty()) {
    SESAM_ASSIGN_OR_RETURN(
        std::vector<Entry> changed,
        session.Search(settings.base, scope, "(&" + any_user + "(pwdChangedTime=*))", {"1.1"}, 1));
    if (!changed.empty()) profile.state_source = "pwdChangedTime";
  }
  return profile;
}

}  // namespace sesam::ldap::internal
