// SPDX-License-Identifier: Apache-2.0
// The values Sesam writes itself when password_mode is crypt, argon2 or ad
// (with exop the server hashes). Each result holds the new password in
// derived form; callers wipe it after use.
#pragma once

#include <string>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap::internal {

// "{CRYPT}$y$..." (yescrypt) or "{CRYPT}$6$..." (sha512-crypt), libxcrypt
// with a fresh salt from the OS; slapd verifies it through crypt(3).
Result<std::string> CryptUserPassword(const SecretString& password, config::CryptScheme scheme);

// "{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", the encoding that
// OpenLDAP's argon2 module (pw-argon2) verifies.
Result<std::string> Argon2UserPassword(const SecretString& password);

// unicodePwd for Active Directory: the password in double quotes, UTF-16LE.
// InvalidArgument when the password is not valid UTF-8.
Result<std::string> UnicodePwd(const SecretString& password);

}  // namespace sesam::ldap::internal
