// One-time reset links: JWTs (RFC 7519) signed with HMAC-SHA256 (HS256 only)
// under a key of at least 32 random bytes read from [token] key_file.
//
// A token names the account by its entryUUID (no name or address in a link)
// and carries what binds it to the account's state when it was issued: a
// digest of the password state and the reset round. Whether that state still
// holds is the caller's check against the directory; this module only proves
// that Sesam issued the token and that it has not expired.
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

struct Claims {
  std::string subject;                // "sub": the account's entryUUID
  std::string id;                     // "jti": 128 random bits, base64url
  std::int64_t issued_at = 0;         // "iat": seconds since the epoch
  std::int64_t expires_at = 0;        // "exp"
  std::string password_state_digest;  // "pst": base64url SHA-256 of Account::password_state
  std::string round;                  // "rnd": Account::latest_reset_round at issue time
};

class Signer {
 public:
  // InvalidArgument when the key is shorter than 32 bytes.
  static Result<Signer> FromKey(SecretString key);
  // Reads key_file through config::ReadSecretFile (mode 0600 enforced).
  static Result<Signer> FromKeyFile(const std::string& path);

  // Fills id, issued_at and expires_at (now + lifetime) and signs.
  std::string Issue(Claims claims, Clock::time_point now, std::chrono::seconds lifetime) const;

  // Accepts only a well-formed three-part token with header {"alg":"HS256","typ":"JWT"},
  // a valid MAC (compared in constant time) and exp > now. Expired ->
  // FailedPrecondition (reason "token.expired"); anything else -> InvalidArgument
  // (reason "token.invalid"). Never logs the token.
  Result<Claims> Verify(std::string_view token, Clock::time_point now) const;

 private:
  explicit Signer(SecretString key) : key_(std::move(key)) {}
  SecretString key_;
};

// base64url (RFC 4648 §5, no padding) of SHA-256(text): the "pst" claim.
std::string StateDigest(std::string_view password_state);

// Writes `bytes` fresh random bytes to `path` with mode 0600, refusing to
// overwrite an existing file: what `sesam genkey` does.
Status GenerateKeyFile(const std::string& path, std::size_t bytes = 32);

}  // namespace sesam::token
