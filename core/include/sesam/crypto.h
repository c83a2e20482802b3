// SPDX-License-Identifier: Apache-2.0
// Small cryptographic helpers shared by the one-time links (sesam/token.h) and
// the web endpoint (CSRF tokens, message ids). They live in the `sesam::token`
// library, which links OpenSSL; the PAM module links only `sesam::core` and
// must not pull them in.
//
// Every function is thread-safe and none of them logs its input. Sha256 and
// HmacSha256 cannot fail short of OpenSSL itself failing (out of memory, no
// SHA-256 provider); then they log and abort rather than return a wrong value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::crypto {

// Size in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
inline constexpr std::size_t kSha256Size = 32;

// base64url (RFC 4648 §5) without padding: the alphabet A-Z a-z 0-9 - _.
std::string Base64UrlEncode(std::string_view bytes);

// Strict inverse of Base64UrlEncode: InvalidArgument (reason "base64url.invalid")
// on any padding ('='), whitespace or character outside the url alphabet, on a
// length of 4k+1, and on non-canonical trailing bits (the unused low bits of the
// last character must be zero), so every byte string has exactly one accepted
// encoding.
Result<std::string> Base64UrlDecode(std::string_view text);

// Fills `size` bytes at `out` from getrandom(2) (the kernel CSPRNG; blocks
// only until the pool is first initialised at boot). Retries on EINTR and on
// short reads; never falls back to a weaker source: Internal when the kernel
// refuses (e.g. ENOSYS), and then `out` must not be used.
Status FillRandom(void* out, std::size_t size);

// `size` random bytes (see FillRandom).
Result<std::string> RandomBytes(std::size_t size);

// An unguessable identifier: base64url of `bytes` random bytes (16 bytes =
// 128 bits -> 22 characters).
Result<std::string> RandomId(std::size_t bytes = 16);

// SHA-256 of `data`: kSha256Size raw bytes.
std::string Sha256(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `message` under `key`: kSha256Size raw bytes.
// Keys of any length are accepted (HMAC hashes keys longer than the block);
// callers choose keys of at least 32 random bytes.
std::string HmacSha256(const SecretString& key, std::string_view message);

// Constant-time comparison of two MACs or tokens: the time depends only on the
// lengths, never on where the first difference is. False when the lengths
// differ. (The same function as sesam::ConstantTimeEquals, named here so the
// crypto callers find it.)
using sesam::ConstantTimeEquals;

}  // namespace sesam::crypto
