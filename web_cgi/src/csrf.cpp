// SPDX-License-Identifier: Apache-2.0
#include "csrf.h"

#include <stdexcept>

#include "sesam/crypto.h"

namespace sesam::web::csrf {
namespace {

// RandomId(16) is 22 base64url characters.
constexpr std::size_t kCookieSize = 22;

}  // namespace

SecretString DeriveKey(std::string_view token_key) {
  std::string mac = crypto::HmacSha256(SecretString(token_key), "sesam csrf v1");
  SecretString key(mac);
  WipeString(mac);
  return key;
}

std::string NewCookieValue() {
  auto id = crypto::RandomId(16);
  // No randomness means no safe cookie; the request fails with a 500.
  if (!id.ok()) throw std::runtime_error(id.status().ToString());
  return std::move(id).value();
}

bool WellFormedCookie(std::string_view value) {
  return value.size() == kCookieSize && crypto::Base64UrlDecode(value).ok();
}

std::string FormToken(const SecretString& key, std::string_view cookie_value) {
  return crypto::Base64UrlEncode(crypto::HmacSha256(key, cookie_value));
}

bool Valid(const SecretString& key, const std::optional<std::string>& cookie_value,
           std::string_view form_value) {
  if (!cookie_value || !WellFormedCookie(*cookie_value)) return false;
  return crypto::ConstantTimeEquals(FormToken(key, *cookie_value), form_value);
}

}  // namespace sesam::web::csrf
