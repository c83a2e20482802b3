// SPDX-License-Identifier: Apache-2.0
// Whether the attributes a configuration names exist in the server's schema,
// for `sesam doctor`: a typo in mail_attributes, or a co-account attribute of
// another directory (otherMailbox on OpenLDAP), finds no value and mails
// nobody without an error anywhere.
//
// On its own short-lived connection, as write_rights.h; callable from any
// thread.
#pragma once

#include <string>
#include <vector>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap {

// The names among `attributes` that no attributeTypes definition of the
// server's subschema (rootDSE subschemaSubentry) carries, compared without
// case, in their order. NotFound when the server names no subschema or it
// holds no attributeTypes (nothing can be said); connection errors as
// write_rights.h's.
Result<std::vector<std::string>> UndefinedAttributes(const config::LdapSection& settings,
                                                     const SecretString& bind_password,
                                                     const std::vector<std::string>& attributes);

}  // namespace sesam::ldap
