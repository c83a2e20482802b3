// SPDX-License-Identifier: Apache-2.0
#include "password_hash.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/rand.h>
#include <string.h>

#include <memory>
#include <vector>

#include "sesam/utf8.h"

namespace sesam::ldap::internal {
namespace {

// Argon2id parameters: the OWASP baseline (19 MiB, 2 passes, 1 lane).
constexpr uint32_t kArgon2TimeCost = 2;
constexpr uint32_t kArgon2MemoryKiB = 19456;
constexpr uint32_t kArgon2Lanes = 1;
constexpr std::size_t kArgon2SaltBytes = 16;
constexpr std::size_t kArgon2HashBytes = 32;

}  // namespace

Result<std::string> CryptUserPassword(const SecretString& password, config::CryptScheme scheme) {
  const char* prefix = scheme == config::CryptScheme::kYescrypt ? "$y$" : "$6$";
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, 0, nullptr, 0, setting, sizeof setting) == nullptr) {
    return InternalError(std::string("crypt_gensalt_rn failed for ") + prefix);
  }
  // crypt_data is large (~32 KiB): keep it off the stack, wipe it after use.
  auto data = std::make_unique<crypt_data>();
  const char* hashed = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (hashed == nullptr || hashed[0] == '*') {
    explicit_bzero(data.get(), sizeof(crypt_data));
    return InternalError("crypt_rn failed");
  }
  std::string value = std::string("{CRYPT}") + hashed;
  explicit_bzero(data.get(), sizeof(crypt_data));
  return value;
}

Result<std::string> Argon2UserPassword(const SecretString& password) {
  unsigned char salt[kArgon2SaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) return InternalError("no random salt for argon2");
  const std::size_t length = argon2_encodedlen(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Lanes,
                                               sizeof salt, kArgon2HashBytes, Argon2_id);
  std::vector<char> encoded(length);
  const int rc = argon2id_hash_encoded(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Lanes,
                                       password.c_str(), password.size(), salt, sizeof salt,
                                       kArgon2HashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return InternalError(std::string("argon2: ") + argon2_error_message(rc));
  return std::string("{ARGON2}") + encoded.data();
}

Result<std::string> UnicodePwd(const SecretString& password) {
  Result<std::u32string> decoded = utf8::Decode(password.view());
  if (!decoded.ok()) return InvalidArgumentError("the password is not valid UTF-8");
  std::u32string quoted = U"\"" + *decoded + U"\"";
  std::string out;
  auto put = [&out](char32_t unit) {
    out += static_cast<char>(unit & 0xFF);
    out += static_cast<char>((unit >> 8) & 0xFF);
  };
  for (const char32_t c : quoted) {
    if (c >= 0x10000) {
      const char32_t v = c - 0x10000;
      put(0xD800 + (v >> 10));
      put(0xDC00 + (v & 0x3FF));
    } else {
      put(c);
    }
  }
  std::fill(quoted.begin(), quoted.end(), U'\0');
  std::fill(decoded->begin(), decoded->end(), U'\0');
  return out;
}

}  // namespace sesam::ldap::internal
