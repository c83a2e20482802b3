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
// - Server profile (ServerProfile): read once, on the first connection, from
//   the rootDSE (vendor, supportedControl, AD's supportedCapabilities) and
//   the subschema subentry (is the Sesam schema defined?); it decides the id
//   attribute, the password-state source and where rounds and claims live.
// - Password state: hex SHA-256 (128 bits) over the state source's values:
//   * userPassword (sorted values) when the service account can read it,
//     plus pwdLastSet for Active Directory (state_source "pwdLastSet"). Every
//     password write, by Sesam or any other path, stores a freshly salted
//     value, so the stamp changes; it reveals nothing usable about the hash.
//   * pwdChangedTime when no account's userPassword can be read (or
//     searched) but accounts carry pwdChangedTime (ppolicy, 389-ds set it on
//     every change). Its resolution is one second: a write in the same second
//     as the previous one leaves the stamp unchanged. The host claim (below)
//     is kept after a successful write for its lifetime, so on one host a
//     second use of the link in that second is still refused; across hosts,
//     or for a change by another path in the same second, it is not.
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
//   Without the assertion control the modify and the claim go without it.
//   Where the directory cannot decide atomically (crypt / argon2 without the
//   assertion control; exop / ad without the Sesam schema; any mode whose
//   state comes from pwdChangedTime) the writers of one account and state
//   are serialised on the host instead (see Host-local state): the claim
//   is a record in the state store, with the same lifetime rule as
//   ClaimBlocks; a store that cannot be used -> Unavailable
//   kPasswordNotChanged (no write without the claim).
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
// - Host-local state: without the Sesam schema nothing Sesam-specific is
//   ever written to the directory. Rounds are events in the host's state
//   store (HostState, sesam/state_store.h) under "acct:" + HMAC of the id
//   attribute and the account id (key derived from the token key), so every
//   sesam-fcgi process and the CLI on the host share them across restarts.
//   A store that cannot count -> Unavailable, reason "state_store", except
//   for a round without a limit (the helpdesk's send-reset, limit.count 0),
//   which is then returned uncounted and logged. Limits and single use then
//   hold per host (docs/scaling.md).
// - Account ids (Account::id): see src/account_id.h. A value that is missing
//   or not of the attribute's form leaves Account::id empty: the caller
//   makes no link, and BeginResetRound refuses it (FailedPrecondition).
// - Disabled accounts: ppolicy's permanent lock (pwdAccountLockedTime
//   000001010000Z), 389-ds nsAccountLock TRUE, and Active Directory's
//   userAccountControl bit 0x2 (ACCOUNTDISABLE) or an accountExpires in the
//   past. A temporary lockout after mistyped passwords is not "disabled": a
//   reset may well be the way out (and in ad mode, with unlock_on_reset, the
//   reset writes lockoutTime 0: src/active_directory.h).
// - Connections: a pool of pool_size bound sessions (see src/session.h):
//   reused across calls, dropped on a transport error (with the idle ones to
//   the same server), a call whose first request met a dead pooled
//   connection is retried once on a fresh one; reconnects back off from
//   100 ms to 5 s, and a call inside the backoff waits for its end when that
//   comes within timeout (one connect per backoff, shared
//   by the waiting calls); the URIs are tried in order, and after a failover
//   a background probe per failback_interval moves the pool back to an
//   earlier URI that answers again. Connecting is bounded by network_timeout
//   per URI, each request by timeout: a stopped server gives Unavailable, a
//   stalled one DeadlineExceeded, never a hang.
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
// Status reasons of Directory::VerifyPassword and ChangePassword (see there).
inline constexpr std::string_view kMustChange = "must_change";
inline constexpr std::string_view kChangeNotAllowed = "change_not_allowed";

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
  std::string state_source;   // "userPassword", "pwdLastSet", "pwdChangedTime", "pwdUpdateTime"
  bool sesam_schema = false;  // objectClass sesamAccount known: rounds and claims in the directory
  bool assertion_control = false;  // RFC 4528 assertion honoured on modify (supportedControl)
};

// Status::reason() of FindAccount's NotFound when several entries match.
inline constexpr std::string_view kReasonSeveralAccounts = "ldap.several_accounts";
// Status reasons of a password the directory's own rules refuse
// (FailedPrecondition from SetPassword): ppolicy's errors (OpenLDAP, 389-ds)
// and Active Directory's 0000052D refusals map to these.
inline constexpr std::string_view kReasonPolicyInHistory = "ppolicy.in_history";
inline constexpr std::string_view kReasonPolicyTooShort = "ppolicy.too_short";
inline constexpr std::string_view kReasonPolicyQuality = "ppolicy.insufficient_quality";
inline constexpr std::string_view kReasonPolicyTooYoung = "ppolicy.too_young";
// AD's complexity rule: three of capitals, small letters, digits and other
// characters, and not the account's name.
inline constexpr std::string_view kReasonPolicyComplexity = "ppolicy.complexity";
// AD refused without naming the rule (Windows does not say which).
inline constexpr std::string_view kReasonPolicyDirectoryRules = "ppolicy.directory_rules";
inline constexpr std::string_view kReasonPolicyOther = "ppolicy.other";

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
  // An id not of the profile's id attribute's form -> NotFound, without a
  // search.
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
  // "ppolicy.insufficient_quality", "ppolicy.too_young" or "ppolicy.other";
  // Active Directory also "ppolicy.complexity" and "ppolicy.directory_rules"
  // (the kReasonPolicy* constants above).
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

  // Whether `current` is the account's password, asked of the directory
  // itself: a simple bind as the account on a new connection (StartTLS as
  // configured), with the ppolicy request control; never a compare with a
  // copy. OK when the bind succeeds. FailedPrecondition with reason
  // kMustChange when the directory refused or restricted the bind only
  // because the password must change: ppolicy passwordExpired or
  // changeAfterReset, Active Directory's bind data codes 532 (expired) and
  // 773 (must reset). That still proves the password, which is what the
  // change page needs. Every other refusal -> PermissionDenied, one code for
  // a wrong password, a locked account (ppolicy accountLocked, AD 775) and a
  // disabled one (AD 533, 389-ds nsAccountLock), so that a caller cannot
  // tell them apart by accident; the message says which (for the log).
  // Unavailable / DeadlineExceeded when the server did not answer. A refused
  // bind counts for the directory's own lockout, as any login does.
  virtual Status VerifyPassword(const Account& account, const SecretString& current) = 0;

  // Changes the password as the user would, not as a reset: the directory
  // applies its history and minimum age. The caller has verified `current`
  // (VerifyPassword) just before; the directory checks it again where it
  // can. By [ldap] password_mode:
  // - exop: Password Modify (RFC 3062) with oldPasswd, sent by the service
  //   account (a user in a forced case often cannot bind to change it);
  // - ad: one modify deleting the old unicodePwd and adding the new one (the
  //   "change password" right, not "reset");
  // - crypt / argon2: SetPassword's guarded write against
  //   account.password_state (a hashed value: the directory's history cannot
  //   compare it, and ppolicy may set pwdReset again).
  // Refused before any write when the account may not change its own
  // password (ppolicy pwdAllowUserChange FALSE in the policy its
  // pwdPolicySubentry names; AD "user cannot change password", which AD
  // reports as insufficient access) -> PermissionDenied reason
  // kChangeNotAllowed. A current password the directory does not accept ->
  // PermissionDenied. Policy refusals -> FailedPrecondition "ppolicy.*" as
  // for SetPassword. A lost answer -> Unavailable with kPasswordNotChanged or
  // kPasswordUnconfirmed (OK when a bind with the new password proves it
  // landed); crypt / argon2 as SetPassword, with "password_state_changed"
  // when the password changed since the account was read.
  virtual Status ChangePassword(const Account& account, const SecretString& current,
                                const SecretString& new_password) = 0;

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
