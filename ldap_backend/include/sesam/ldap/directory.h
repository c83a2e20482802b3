// SPDX-License-Identifier: Apache-2.0
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
//     "<state>:<time>:<id>:<round>", asserting the exact old userPassword
//     values. Only one of concurrent claimers succeeds; it then writes (RFC
//     3062 exop, or unicodePwd over TLS) and releases the claim. A claim left
//     by a crashed writer expires after 120 s.
//   A lost race (assertion failed, value gone, single-value conflict) ->
//   FailedPrecondition "password_state_changed".
//   A claim blocks other writers of the same state for 120 s, but the same
//   reset link (the claim records the round) only for 2 x timeout + 10 s:
//   by then its writer has its answer or has given up. A claim whose writer
//   saw the connection fail is released on a new connection during the
//   read-back, and until then never blocks a try from the same process.
// - A write whose answer is lost (dropped connection, timeout) is followed by
//   a read-back on new connections, for up to timeout + network_timeout (each
//   attempt bounded as below): unchanged stamp -> nothing changed; changed
//   stamp -> crypt / argon2: our exact salted value is stored, exop / ad: a
//   simple bind as the account with the new password succeeds -> it is ours;
//   otherwise another path changed it. The read-back adds to SetPassword's
//   time at most timeout + network_timeout, plus one last attempt (a
//   connect and a few requests, each bounded as below). Nothing is logged
//   with the password; a failed proving bind counts for the server's
//   lockout policy (it happens only when another path changed the password
//   at the same moment).
// - Reset rounds live in the single-valued sesamResetRounds attribute
//   ("<unix seconds>:<id> ...", oldest first), rewritten by a modify that
//   deletes the exact old value and adds the new one; a conflict is retried
//   (10 attempts, with a growing random pause). objectClass sesamAccount is
//   added when the entry lacks it. A round only counts against the limit; it
//   does not decide which links work (every link of the current password
//   state works until it expires or the password changes).
// - Disabled accounts: ppolicy's permanent lock (pwdAccountLockedTime
//   000001010000Z), 389-ds nsAccountLock TRUE, and Active Directory's
//   userAccountControl bit 0x2 (ACCOUNTDISABLE). A temporary lockout after
//   mistyped passwords is not "disabled": a reset may well be the way out.
// - Connections: a pool of pool_size bound sessions (see src/session.h):
//   reused across calls, dropped on a transport error (with the idle ones to
//   the same server), a call whose first request met a dead pooled
//   connection is retried once on a fresh one; reconnects back off from
//   100 ms to 5 s; the URIs are tried in order. Connecting is bounded by network_timeout per URI,
//   each request by timeout: a stopped server gives Unavailable, a stalled one DeadlineExceeded,
//   never a hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/secret_string.h"
#include "sesam/state_store.h"
#include "sesam/status.h"

namespace sesam::ldap {

// Status reasons of Directory::SetPassword (see there).
inline constexpr std::string_view kPasswordStateChanged = "password_state_changed";
inline constexpr std::string_view kPasswordNotChanged = "password_not_changed";
inline constexpr std::string_view kPasswordUnconfirmed = "password_unconfirmed";

struct Account {
  std::string dn;
  std::string username;  // the account's uid as stored
  // Stable, non-personal id: the subject of reset tokens. The value of
  // [ldap] id_attribute (entryUUID, nsUniqueId, or objectGUID in its
  // canonical string form).
  std::string id;
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
  // When the reset rounds still kept in the directory began (unix seconds,
  // oldest first); the limit's window decides which of them count.
  std::vector<std::int64_t> reset_rounds;
  // Disabled by an administrator (see above): no mail, and its links die.
  bool disabled = false;
  std::string disabled_by;  // the attribute that says so, for the admin's log
};

// Every address a message about `account` may go to: its own first, then the
// co-accounts'. (Inline: sesam::web uses the interface without the LDAP library.)
inline std::vector<std::string> AllAddresses(const Account& account) {
  std::vector<std::string> all = account.own_addresses;
  all.insert(all.end(), account.coaccount_addresses.begin(), account.coaccount_addresses.end());
  return all;
}
// What the server offers, found out once (rootDSE and subschema) on the first
// connection and kept; `sesam doctor` prints it, sesam-fcgi logs it at start.
struct ServerProfile {
  std::string vendor;         // "OpenLDAP", "389 Directory Server", "Active Directory", "unknown"
  std::string id_attribute;   // the attribute Account::id is read from
  std::string state_source;   // "userPassword", "pwdLastSet" (AD) or "pwdChangedTime"
  bool sesam_schema = false;  // objectClass sesamAccount known: rounds and claims in the directory
  bool assertion_control = false;  // RFC 4528 assertion honoured on modify (supportedControl)
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

  // The account whose id (see Account::id) is `id`: the subject of a token.
  virtual Result<Account> FindAccountById(std::string_view id) = 0;

  // Records a new reset round for `account` in the directory, so that the
  // limit holds across processes and machines: rounds older than
  // limit.window are dropped; when limit.count rounds remain ->
  // ResourceExhausted and nothing is recorded (limit.count 0: no limit, the
  // round is still recorded). Otherwise returns the new round's id.
  virtual Result<std::string> BeginResetRound(const Account& account, const config::Rate& limit,
                                              std::chrono::system_clock::time_point now) = 0;

  // Takes back round `round_id` (all of its mails failed, so it must not count
  // against the limit). OK when the round is no longer there.
  virtual Status CancelResetRound(const Account& account, std::string_view round_id) = 0;

  // Forgets every reset round of `account` (the helpdesk's `sesam limits
  // USER --clear`).
  virtual Status ClearResetRounds(const Account& account) = 0;

  // Writes `new_password` only while the account's password state is still
  // `expected_state`, decided atomically by the server: of two concurrent
  // calls with the same expected state at most one succeeds. The other gets
  // FailedPrecondition with reason "password_state_changed".
  // A refusal by the server's password policy -> FailedPrecondition with
  // reason "ppolicy.in_history", "ppolicy.too_short",
  // "ppolicy.insufficient_quality", "ppolicy.too_young" or "ppolicy.other".
  // When the directory fails (Unavailable or DeadlineExceeded), the reason
  // says what became of the password:
  // - OK: the write's answer was lost, but reading back proved the new
  //   password is in place;
  // - kPasswordNotChanged: certainly nothing changed (the failure came before
  //   the write, or the read-back found the password as it was); the state
  //   stays `expected_state`, so the same reset may simply try again;
  // - kPasswordUnconfirmed: the write went out, its answer was lost and the
  //   directory could not be read back in time: the new password may or may
  //   not be in place. If it is not, `expected_state` still holds and a later
  //   try works; if it is, a later try gets "password_state_changed".
  // A write whose answer was lost, found changed by another path on read-back
  // -> "password_state_changed" as above.
  virtual Status SetPassword(const Account& account, const SecretString& new_password,
                             std::string_view expected_state) = 0;

  // OK when the directory answers (a bound connection and a base search).
  virtual Status Ping() = 0;

  // The server's profile (see ServerProfile). The LDAP implementation finds
  // it on its first connection and keeps it for its lifetime; until then a
  // call connects (Unavailable / DeadlineExceeded when it cannot, and the
  // next call tries again).
  virtual Result<ServerProfile> Profile() = 0;
};

// Where the LDAP implementation keeps what the directory cannot keep (see
// "Host-local state" above): the host's state store ([web] state_dir) and
// the token key, from which the key of the account hashes is derived.
struct HostState {
  std::shared_ptr<state::Store> store;  // null: nothing can be counted on the host
  Status store_error;                   // why `store` is null (for the log)
  SecretString key;                     // the [token] key_file's bytes
};

// Opens [web] state_dir (read-write) and reads [token] key_file. Never fails:
// what cannot be opened leaves `store` null with the reason in store_error,
// and the Directory then fails closed where it needs the store.
HostState OpenHostState(const config::Config& config);

// The LDAP implementation: a pool of bound connections per `settings`.
// Connecting happens lazily; creation fails only for unusable settings (e.g.
// an unreadable bind_password_file). Without `host` (the first form), a
// directory without the Sesam schema cannot count reset rounds.
Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings);
Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings,
                                                     HostState host);

}  // namespace sesam::ldap
