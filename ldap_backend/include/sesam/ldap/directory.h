// The directory as the rest of Sesam sees it: find an account with its mail
// addresses, record reset rounds, and write a new password safely.
//
// `Directory` is the seam between Sesam and the outside world: sesam-fcgi and
// the CLI use it, the LDAP implementation (MakeLdapDirectory) talks to a real
// server, and unit tests use a fake.
//
// Threading: every method may be called from several threads at once.
// Errors: Unavailable / DeadlineExceeded when the server cannot be reached in
// time (the caller shows a polite page and may retry later); NotFound when no
// single account matches; other codes as documented per method.
//
// The LDAP implementation (schemas/README.md describes the attributes):
// - Password state: hex SHA-256 (128 bits) over the entry's userPassword
//   values (sorted) and pwdLastSet (Active Directory). Every password write,
//   by Sesam or any other path, stores a freshly salted value, so the stamp
//   changes; it reveals nothing usable about the hash. The service account
//   therefore needs read access to userPassword.
// - SetPassword is a compare-and-swap done by the server, needing no state in
//   the process: it re-reads the entry, compares the stamp, then
//   * crypt / argon2: one modify replacing userPassword (and shadowLastChange)
//     under an RFC 4528 assertion of the exact old userPassword values;
//   * exop / ad: slapd ignores the assertion control on the Password Modify
//     extended operation, so the writer first claims the state: a modify that
//     deletes the exact old sesamPasswordClaim value and adds
//     "<state>:<time>:<id>", asserting the exact old userPassword values. Only
//     one of concurrent claimers succeeds; it then writes (RFC 3062 exop, or
//     unicodePwd over TLS) and releases the claim. A claim left by a crashed
//     writer expires after 120 s.
//   A lost race (assertion failed, value gone, single-value conflict) ->
//   FailedPrecondition "password_state_changed".
// - Reset rounds live in the single-valued sesamResetRounds attribute
//   ("<unix seconds>:<id> ...", oldest first), rewritten by a modify that
//   deletes the exact old value and adds the new one; a conflict is retried
//   (10 attempts, with a growing random pause). objectClass sesamAccount is
//   added when the entry lacks it.
// - Connections: a pool of pool_size bound sessions (see src/session.h):
//   reused across calls, dropped on a transport error (with the idle ones to
//   the same server), a call that met a dead pooled connection is retried
//   once on a fresh one; reconnects back off from 100 ms to 5 s; the URIs are
//   tried in order. Connecting is bounded by network_timeout per URI, each
//   request by timeout: a stopped server gives Unavailable, a stalled one
//   DeadlineExceeded, never a hang.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap {

struct Account {
  std::string dn;
  std::string username;      // the account's uid as stored
  std::string entry_uuid;    // stable, non-personal id: the subject of reset tokens
  std::string display_name;  // may be empty
  std::string given_name;    // for "Dear Jan"; may be empty
  std::string surname;       // may be empty
  // Every value of every mail_attributes / coaccount_mail_attributes attribute,
  // "smtp:" prefixes stripped, de-duplicated case-insensitively, order kept. An
  // address that is the account's own is not repeated among the co-accounts'.
  std::vector<std::string> own_addresses;
  std::vector<std::string> coaccount_addresses;
  // Opaque stamp that changes whenever the password changes, by any path.
  std::string password_state;
  // Id of the newest reset round recorded by BeginResetRound ("" if none): a
  // reset link is valid only for the newest round.
  std::string latest_reset_round;
};

// Status::reason() of FindAccount's NotFound when several entries match.
inline constexpr std::string_view kReasonSeveralAccounts = "ldap.several_accounts";

class Directory {
 public:
  virtual ~Directory() = default;

  // Exactly one entry must match `username` (escaped per RFC 4515 into
  // user_filter). None, or two and more (logged as a directory problem) ->
  // NotFound; for two and more its reason() is kReasonSeveralAccounts and its
  // message names two of the DNs (for `sesam lookup`; the web shows neither).
  // An empty or invalid username -> NotFound, without a search.
  virtual Result<Account> FindAccount(std::string_view username) = 0;

  // The account whose entryUUID is `entry_uuid` (the subject of a token).
  virtual Result<Account> FindAccountByUuid(std::string_view entry_uuid) = 0;

  // Records a new reset round for `account` in the directory, so that the
  // limit holds across processes and machines: rounds older than
  // limit.window are dropped; when limit.count rounds remain ->
  // ResourceExhausted and nothing is recorded (limit.count 0: no limit). Otherwise returns the new
  // round's id, which becomes the account's latest_reset_round.
  virtual Result<std::string> BeginResetRound(const Account& account, const config::Rate& limit,
                                              std::chrono::system_clock::time_point now) = 0;

  // Writes `new_password` only while the account's password state is still
  // `expected_state`, decided atomically by the server: of two concurrent
  // calls with the same expected state at most one succeeds. The other gets
  // FailedPrecondition with reason "password_state_changed".
  // A refusal by the server's password policy -> FailedPrecondition with
  // reason "ppolicy.in_history", "ppolicy.too_short",
  // "ppolicy.insufficient_quality", "ppolicy.too_young" or "ppolicy.other".
  virtual Status SetPassword(const Account& account, const SecretString& new_password,
                             std::string_view expected_state) = 0;

  // OK when the directory answers (a bound connection and a base search).
  virtual Status Ping() = 0;
};

// The LDAP implementation: a pool of bound connections per `settings`.
// Connecting happens lazily; creation fails only for unusable settings (e.g.
// an unreadable bind_password_file).
Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings);

}  // namespace sesam::ldap
