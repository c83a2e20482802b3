// SPDX-License-Identifier: Apache-2.0
#include "sesam/ldap/schema_check.h"

#include "plain_connection.h"
#include "server_profile.h"

namespace sesam::ldap {

Result<std::vector<std::string>> UndefinedAttributes(const config::LdapSection& settings,
                                                     const SecretString& bind_password,
                                                     const std::vector<std::string>& attributes) {
  SESAM_ASSIGN_OR_RETURN(internal::LdapPtr ld, internal::OpenPlain(settings, bind_password));
  SESAM_ASSIGN_OR_RETURN(auto root, internal::ReadBase(ld.get(), "", {"subschemaSubentry"}, nullptr,
                                                       settings.timeout));
  if (root[0].empty()) return NotFoundError("the server names no subschema (subschemaSubentry)");
  SESAM_ASSIGN_OR_RETURN(
      auto schema,
      internal::ReadBase(ld.get(), root[0].front(), {"attributeTypes"}, nullptr, settings.timeout));
  if (schema[0].empty())
    return NotFoundError("the subschema " + root[0].front() + " lists no attributeTypes");
  std::vector<std::string> undefined;
  for (const auto& attribute : attributes) {
    if (!internal::SchemaDefines(schema[0], attribute)) undefined.push_back(attribute);
  }
  return undefined;
}

}  // namespace sesam::ldap
