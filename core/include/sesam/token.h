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

// The shortest key FromKey accepts, and what GenerateKeyFile writes by default.
inline constexpr std::size_t kMinKeySize = 32;
// Verify refuses longer tokens before decoding anything. Issued tokens are
// about 250 bytes; claims must stay small enough to fit (the caller's strings
// are the entryUUID, a digest and a round id).
inline constexpr std::size_t kMaxTokenSize = 2048;

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
  // sub, jti, pst, rnd; integers for iat, exp; no duplicate keys; sub
  // non-empty, jti 16 and pst 32 bytes of base64url, iat <= exp), and with
  // exp > now (in whole seconds). Expired -> FailedPrecondition (reason
  // "token.expired"); anything else -> InvalidArgument (reason
  // "token.invalid"). Never logs the token and never puts it in a message.
  Result<Claims> Verify(std::string_view token, Clock::time_point now) const;

 private:
  explicit Signer(SecretString key) : key_(std::move(key)) {}
  SecretString key_;
};

// base64url (RFC 4648 §5, no padding) of SHA-256(text): the "pst" claim.
std::string StateDigest(std::string_view password_state);

// Writes `bytes` fresh random bytes (getrandom(2)) to `path` with mode 0600,
// refusing to overwrite an existing file or follow a symlink: what `sesam
// genkey` does. AlreadyExists when `path` exists; InvalidArgument when `bytes`
// is below kMinKeySize or above 64 KiB; other failures leave no file behind.
// config::ReadSecretFile strips a trailing "\n" or "\r", so the last byte is
// drawn again while it is one of those two (costing 0.011 bits of 256).
Status GenerateKeyFile(const std::string& path, std::size_t bytes = kMinKeySize);

}  // namespace sesam::token
