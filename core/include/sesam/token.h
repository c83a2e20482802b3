// SPDX-License-Identifier: Apache-2.0
// One-time reset links: JWTs (RFC 7519) signed with HMAC-SHA256 (HS256 only)
// under a key of at least 32 random bytes read from [token] key_file.
//
// A token names the account by its id (entryUUID, nsUniqueId or objectGUID,
// see ldap::Account::id; no name or address in a link)
// and carries what binds it to the account when it was issued: a keyed digest
// of the password state (so every link dies when the password changes, by any
// path) and a keyed digest of the address it was mailed to (so a link dies when
// its recipient is removed from the account). Both digests are HMACs under keys
// derived from the token key: a payload, which anyone holding the mail can
// read, is no keyless function of the password or the address, so it cannot be
// used to test guesses offline. Whether the state still holds is the caller's
// check against the directory; this module only proves that Sesam issued the
// token and that it has not expired.
//
// Thread-safe: a Signer is immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::token {

using Clock = std::chrono::system_clock;

// The shortest key FromKey accepts, and what GenerateKeyFile writes by default.
inline constexpr std::size_t kMinKeySize = 32;
// Verify refuses longer tokens before decoding anything. Issued tokens are
// about 250 bytes; claims must stay small enough to fit (the caller's strings
// are the account id and two digests).
inline constexpr std::size_t kMaxTokenSize = 2048;

struct Claims {
  std::string subject;                // "sub": the account's id (ldap::Account::id)
  std::string id;                     // "jti": 128 random bits, base64url
  std::int64_t issued_at = 0;         // "iat": seconds since the epoch
  std::int64_t expires_at = 0;        // "exp"
  std::string password_state_digest;  // "pst": Signer::StateDigest(Account::password_state)
  std::string recipient_digest;       // "rcp": Signer::RecipientDigest(address mailed to)
};

class Signer {
 public:
  // InvalidArgument (reason "token.key_too_short") when the key is shorter
  // than kMinKeySize bytes.
  static Result<Signer> FromKey(SecretString key);
  // Reads key_file through config::ReadSecretFile (mode 0600 enforced).
  static Result<Signer> FromKeyFile(const std::string& path);

  // Fills id, issued_at and expires_at (now + lifetime) and signs. Times are
  // whole seconds (now rounded down). Claim strings must be valid UTF-8: an
  // invalid sequence is replaced by U+FFFD, so such a token no longer matches
  // the account. If the kernel refuses random bytes for the id (getrandom(2)
  // cannot fail on a supported kernel), the process is aborted: there is no
  // safe token to return.
  std::string Issue(Claims claims, Clock::time_point now, std::chrono::seconds lifetime) const;

  // Accepts only a token of at most kMaxTokenSize bytes made of three
  // non-empty strict base64url segments, whose header is exactly
  // {"alg":"HS256","typ":"JWT"} (byte for byte), whose MAC is valid (compared
  // in constant time, before the payload is parsed), whose payload is a JSON
  // object holding exactly the six claims with the right types (strings for
  // sub, jti, pst, rcp; integers for iat, exp; no duplicate keys; sub
  // non-empty, jti 16, pst 32 and rcp 16 bytes of base64url, iat <= exp), and with
  // exp > now (in whole seconds). Expired -> FailedPrecondition (reason
  // "token.expired"); anything else -> InvalidArgument (reason
  // "token.invalid"). Never logs the token and never puts it in a message.
  Result<Claims> Verify(std::string_view token, Clock::time_point now) const;

  // The "pst" claim: base64url of HMAC-SHA256(state key, subject NUL
  // password_state), where the state key is derived from the token key. Two
  // accounts with the same stored password get unrelated values, and so does
  // one account under another token key.
  std::string StateDigest(std::string_view subject, std::string_view password_state) const;
  // The "rcp" claim: base64url of the first 16 bytes of HMAC-SHA256(recipient
  // key, address), the address trimmed and ASCII case folded, so that
  // "Jan@School.BE" and "jan@school.be" give the same value.
  std::string RecipientDigest(std::string_view address) const;
  // A keyed hash for names that must not reach a log or a store in clear (a
  // username that matches nothing may be a password typed into the wrong box):
  // base64url of the first 16 bytes of HMAC-SHA256(a key derived from the
  // token key for `purpose`, text). Stable for one token key.
  std::string KeyedHash(std::string_view purpose, std::string_view text) const;

 private:
  explicit Signer(SecretString key);
  SecretString key_;
  SecretString state_key_;      // HMAC(key, "sesam pst v1")
  SecretString recipient_key_;  // HMAC(key, "sesam rcp v1")
};

// Writes `bytes` fresh random bytes (getrandom(2)) to `path` with mode 0600,
// refusing to overwrite an existing file or follow a symlink: what `sesam
// genkey` does. AlreadyExists when `path` exists; InvalidArgument when `bytes`
// is below kMinKeySize or above 64 KiB; other failures leave no file behind.
// config::ReadSecretFile strips a trailing "\n" or "\r", so the last byte is
// drawn again while it is one of those two (costing 0.011 bits of 256).
Status GenerateKeyFile(const std::string& path, std::size_t bytes = kMinKeySize);

}  // namespace sesam::token
