// SPDX-License-Identifier: Apache-2.0
// CSRF protection by a double-submit cookie with a MAC: the browser holds a
// random value in an HttpOnly, SameSite=Strict cookie, and each form carries
// HMAC-SHA256(key, value). A cross-site page can neither read the cookie nor
// compute the MAC. The key is derived from the token key, so a restart or a
// second process accepts the same forms without any shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sesam/secret_string.h"

namespace sesam::web::csrf {

inline constexpr std::string_view kCookieName = "sesam_csrf";

// HMAC-SHA256(token_key, "sesam csrf v1"): a separate key per purpose.
SecretString DeriveKey(std::string_view token_key);

// 128 random bits, base64url.
std::string NewCookieValue();

// Whether `value` looks like something NewCookieValue made.
bool WellFormedCookie(std::string_view value);

// The hidden form field for `cookie_value`.
std::string FormToken(const SecretString& key, std::string_view cookie_value);

// Constant-time check of the form field against the cookie.
bool Valid(const SecretString& key, const std::optional<std::string>& cookie_value,
           std::string_view form_value);

}  // namespace sesam::web::csrf
