// SPDX-License-Identifier: Apache-2.0
// MakeLdapDirectory: the Directory on a pool of libldap sessions. The design of
// the password-state stamp, the compare-and-swap writes and the reset rounds
// is described in sesam/ldap/directory.h.
#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <optional>
#include <random>
#include <thread>

#include "account_attributes.h"
#include "account_id.h"
#include "host_state.h"
#include "options.h"
#include "password_hash.h"
#include "server_profile.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"
#include "sesam/mutex.h"
#include "sesam/utf8.h"
#include "session.h"
#include "text.h"

namespace sesam::ldap {
namespace {

using internal::Entry;
using internal::Modification;
using internal::Session;

constexpr std::size_t kMaxUsernameBytes = 256;
constexpr int kCasAttempts = 10;
// A claim older than this is left over by a crashed writer and may be taken
// (sooner with a short [ldap] timeout: ClaimBlocks).
constexpr long long kClaimLifetimeSeconds = 120;
// How far the clocks of two Sesam machines may differ, for a claim of the same
// reset link (ClaimBlocks).
constexpr long long kClaimSkewSeconds = 10;
constexpr std::size_t kMaxAbandonedClaims = 64;
constexpr std::chrono::milliseconds kReadBackPause{200};
constexpr std::size_t kMaxRoundsKept = 100;

bool HasObjectClass(const Entry& entry, std::string_view name) {
  for (const auto& value : entry.Values("objectClass")) {
    if (value.size() == name.size() &&
        std::equal(value.begin(), value.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

Status StateChanged(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message),
                std::string(kPasswordStateChanged));
}

bool LostRace(const Status& status) {
  return status.reason() == "changed_concurrently" || status.reason() == "constraint_violation";
}

// The filter that holds exactly while userPassword still has these values.
std::string PasswordAssertion(const std::vector<std::string>& values) {
  if (values.empty()) return "(!(userPassword=*))";
  std::string filter = "(&";
  for (const auto& value : values) {
    filter += "(userPassword=" + internal::EscapeFilterValue(value) + ")";
  }
  return filter + ")";
}

// Up to 5 ms, doubling per attempt; seeded per thread from the OS, so that
// contenders in different processes do not draw the same pauses.
std::chrono::milliseconds RandomPause(int attempt) {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::uniform_int_distribution<int> pause(1, 5 << std::min(attempt, 6));
  return std::chrono::milliseconds(pause(generator));
}

bool Unreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

// The directory failed before or during a write that certainly did not land.
Status NotChanged(const Status& failure) {
  return Status(failure.code(), failure.message() + " (the password was not changed)",
                std::string(kPasswordNotChanged));
}

// The write's answer was lost and the read-back could not tell.
Status Unconfirmed(const Status& failure, const std::string& read_back) {
  return Status(failure.code(),
                failure.message() + "; the directory could not be read back (" + read_back +
                    "): the new password may or may not be in place",
                std::string(kPasswordUnconfirmed));
}

// A write (or the claim before it) was sent and its answer lost.
struct InDoubt {
  Status failure;              // what the writer saw: Unavailable or DeadlineExceeded
  bool write_sent = false;     // false: only the claim was in flight
  std::string claim;           // exop / ad: our claim value, to release
  SecretString written_value;  // crypt / argon2: the exact userPassword value sent
};

long long DaysSinceEpoch(std::time_t now) { return static_cast<long long>(now / 86400); }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Why an administrator disabled the entry, as "attribute: value", or "" when
// nothing says so. Only a permanent lock counts: ppolicy writes
// pwdAccountLockedTime 000001010000Z for an administrative lock and a real
// time for a lockout after failed binds, which expires by itself (and which
// a reset may lift).
std::string DisabledBy(const Entry& entry) {
  const std::string locked_time = entry.First("pwdAccountLockedTime");
  if (locked_time == "000001010000Z") return "pwdAccountLockedTime: " + locked_time;
  const std::string ns_lock = entry.First("nsAccountLock");
  if (EqualsIgnoringCase(ns_lock, "true")) return "nsAccountLock: " + ns_lock;
  const std::string control = entry.First("userAccountControl");
  if (!control.empty()) {
    char* end = nullptr;
    const long long flags = std::strtoll(control.c_str(), &end, 10);
    // ACCOUNTDISABLE, [MS-ADTS] 2.2.16.
    if (end != control.c_str() && *end == '\0' && (flags & 0x2) != 0) {
      return "userAccountControl: " + control;
    }
  }
  return "";
}

class LdapDirectory final : public Directory {
 public:
  LdapDirectory(config::LdapSection settings, SecretString bind_password, HostState host)
      : settings_(settings),
        pool_(std::move(settings), std::move(bind_password)),
        ledger_(std::move(host)) {
    attributes_ = internal::AccountAttributes(settings_);
  }

  Result<Account> FindAccount(std::string_view username) override {
    if (username.empty() || username.size() > kMaxUsernameBytes || !utf8::IsValid(username)) {
      return NotFoundError("no account for this username");
    }
    SESAM_ASSIGN_OR_RETURN(const ServerProfile profile, Profile());
    return FindOne(internal::ExpandFilter(settings_.user_filter, username), username, profile);
  }

  Result<Account> FindAccountById(std::string_view id) override {
    SESAM_ASSIGN_OR_RETURN(const ServerProfile profile, Profile());
    // Only an id of the attribute's own form reaches a filter.
    const std::optional<std::string> assertion = internal::IdFilter(profile.id_attribute, id);
    if (!assertion) return NotFoundError("no account with this " + profile.id_attribute);
    const std::string filter =
        "(&" + *assertion + internal::ExpandFilterAnyUser(settings_.user_filter) + ")";
    return FindOne(filter, id, profile);
  }

  Result<std::string> BeginResetRound(const Account& account, const config::Rate& limit,
                                      std::chrono::system_clock::time_point now) override {
    SESAM_ASSIGN_OR_RETURN(const ServerProfile profile, Profile());
    if (!profile.sesam_schema) return BeginHostRound(account, profile, limit, now);
    const long long now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const long long window_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(limit.window).count();
    std::string round_id;
    SESAM_RETURN_IF_ERROR(RewriteRounds(account, [&](std::vector<internal::Round>& rounds) {
      std::erase_if(rounds, [&](const internal::Round& round) {
        return round.unix_seconds <= now_seconds - window_seconds;
      });
      if (limit.count > 0 && rounds.size() >= limit.count) {
        return ResourceExhaustedError("the account's reset limit is reached");
      }
      if (rounds.size() >= kMaxRoundsKept) rounds.erase(rounds.begin());
      round_id = internal::RandomHex(8);
      rounds.push_back({now_seconds, round_id});
      return Status::Ok();
    }));
    return round_id;
  }

  Status CancelResetRound(const Account& account, std::string_view round_id) override {
    SESAM_ASSIGN_OR_RETURN(const ServerProfile profile, Profile());
    if (!profile.sesam_schema) {
      if (account.id.empty()) return Status::Ok();  // no round was ever counted for it
      return ledger_.CancelRound(ledger_.AccountKey(profile.id_attribute, account.id), round_id);
    }
    return RewriteRounds(account, [&](std::vector<internal::Round>& rounds) {
      std::erase_if(rounds, [&](const internal::Round& round) { return round.id == round_id; });
      return Status::Ok();
    });
  }

  Status ClearResetRounds(const Account& account) override {
    SESAM_ASSIGN_OR_RETURN(const ServerProfile profile, Profile());
    if (!profile.sesam_schema) {
      if (account.id.empty()) return Status::Ok();
      return ledger_.ClearRounds(ledger_.AccountKey(profile.id_attribute, account.id));
    }
    return RewriteRounds(account, [](std::vector<internal::Round>& rounds) {
      rounds.clear();
      return Status::Ok();
    });
  }

  Status SetPassword(const Account& account, const SecretString& new_password,
                     std::string_view expected_state) override {
    Result<ServerProfile> profile = Profile();
    if (!profile.ok()) {
      return Unreachable(profile.status()) ? NotChanged(profile.status()) : profile.status();
    }
    if (!NeedsHostClaim(*profile)) return Write(account, new_password, expected_state, *profile);
    // The directory cannot decide atomically: one writer per account and
    // state on this host (see "Host-local state" in sesam/ldap/directory.h).
    if (account.id.empty()) {
      return FailedPreconditionError("the account has no readable " + profile->id_attribute);
    }
    const std::string key = ledger_.ClaimKey(profile->id_attribute, account.id, expected_state);
    SESAM_ASSIGN_OR_RETURN(const std::string claim, ledger_.Claim(key, ClaimLifetime()));
    const Status written = Write(account, new_password, expected_state, *profile);
    // Kept after a success: it blocks only the old state, which is gone, and
    // with pwdChangedTime (seconds) a write in the same second as the last
    // one would leave that state unchanged. Kept too while a write may still
    // land (unconfirmed); its lifetime ends it.
    if (!written.ok() && written.reason() != kPasswordUnconfirmed) ledger_.Release(key, claim);
    return written;
  }

  Status Ping() override {
    return pool_.Run([&](Session& session) -> Status {
      return session.Search(settings_.base, LDAP_SCOPE_BASE, "(objectClass=*)", {"1.1"}, 1)
          .status();
    });
  }

  Result<ServerProfile> Profile() override {
    {
      MutexLock lock(profile_mutex_);
      if (profile_) return *profile_;
    }
    // Detected outside the lock: two first callers may both detect, and
    // both find the same.
    ServerProfile detected;
    SESAM_RETURN_IF_ERROR(pool_.Run([&](Session& session) -> Status {
      SESAM_ASSIGN_OR_RETURN(detected, internal::DetectProfile(session, settings_));
      return Status::Ok();
    }));
    MutexLock lock(profile_mutex_);
    if (!profile_) {
      profile_ = detected;
      LogProfile(detected);
    }
    return *profile_;
  }

 private:
  // The write itself, after the host claim when one is needed.
  Status Write(const Account& account, const SecretString& new_password,
               std::string_view expected_state, const ServerProfile& profile) {
    // Set when the write (or the claim before it) went out and its answer was
    // lost: the connection dropped or the server stalled. Pool::Run does not
    // retry such a failure, so the read-back below decides.
    std::optional<InDoubt> doubt;
    const Status status = pool_.Run([&](Session& session) -> Status {
      SESAM_ASSIGN_OR_RETURN(Entry entry, ReadEntry(session, account.dn));
      if (StateOf(entry, profile) != expected_state) {
        return StateChanged("the password was changed since this reset began");
      }
      switch (settings_.password_mode) {
        case config::PasswordMode::kCrypt:
        case config::PasswordMode::kArgon2:
          return WriteHashed(session, entry, new_password, profile, doubt);
        case config::PasswordMode::kExop:
        case config::PasswordMode::kAd:
          if (!profile.sesam_schema)
            return WriteServerHashed(session, entry, new_password, "", doubt);
          return WriteClaimed(session, entry, new_password, expected_state, profile, doubt);
      }
      return InternalError("unknown password_mode");
    });
    if (doubt) return ReadBack(account, new_password, expected_state, profile, *doubt);
    // Nothing was sent that could change the password.
    if (Unreachable(status)) return NotChanged(status);
    return status;
  }

  // crypt / argon2 need the RFC 4528 assertion for their compare-and-swap;
  // exop / ad the schema's claim attribute.
  bool NeedsHostClaim(const ServerProfile& profile) const {
    switch (settings_.password_mode) {
      case config::PasswordMode::kCrypt:
      case config::PasswordMode::kArgon2:
        return !profile.assertion_control;
      case config::PasswordMode::kExop:
      case config::PasswordMode::kAd:
        return !profile.sesam_schema;
    }
    return true;
  }

  static void LogProfile(const ServerProfile& profile) {
    log::Info("LDAP: server " + profile.vendor + "; account id from " + profile.id_attribute +
              "; password state from " + profile.state_source + "; Sesam schema " +
              (profile.sesam_schema ? "present: reset rounds and write claims in the directory"
                                    : "absent: reset rounds and write claims on this host") +
              "; assertion control " + (profile.assertion_control ? "yes" : "no"));
  }

  // The password-state stamp per the profile's source (see directory.h).
  static std::string StateOf(const Entry& entry, const ServerProfile& profile) {
    if (profile.state_source == "pwdChangedTime") {
      return internal::PasswordState({"pwdChangedTime:" + entry.First("pwdChangedTime")}, "");
    }
    return internal::PasswordState(entry.Values("userPassword"), entry.First("pwdLastSet"));
  }

  // The filter that holds exactly while the state source is unchanged.
  static std::string StateAssertion(const Entry& entry, const ServerProfile& profile) {
    if (profile.state_source == "pwdChangedTime") {
      const std::string changed = entry.First("pwdChangedTime");
      if (changed.empty()) return "(!(pwdChangedTime=*))";
      return "(pwdChangedTime=" + internal::EscapeFilterValue(changed) + ")";
    }
    return PasswordAssertion(entry.Values("userPassword"));
  }

  // How long a claim blocks (see ClaimBlocks): the same rule on the host.
  long long ClaimLifetimeSeconds() const {
    const auto hold = std::chrono::duration_cast<std::chrono::seconds>(2 * settings_.timeout);
    return std::min(kClaimLifetimeSeconds,
                    static_cast<long long>(hold.count()) + 1 + kClaimSkewSeconds);
  }
  std::chrono::seconds ClaimLifetime() const {
    return std::chrono::seconds(ClaimLifetimeSeconds());
  }

  // BeginResetRound without the schema: in the host store. The helpdesk
  // (limit.count 0) still gets its round when the store cannot count; the
  // log says so.
  Result<std::string> BeginHostRound(const Account& account, const ServerProfile& profile,
                                     const config::Rate& limit,
                                     std::chrono::system_clock::time_point now) {
    if (account.id.empty()) {
      return FailedPreconditionError("the account has no readable " + profile.id_attribute +
                                     ", so no reset round can be counted");
    }
    Result<std::string> round =
        ledger_.BeginRound(ledger_.AccountKey(profile.id_attribute, account.id), limit, now);
    if (round.ok() || limit.count > 0 || round.status().reason() != internal::kStateStore) {
      return round;
    }
    log::Warning(
        "LDAP: the reset round of " + account.dn +
        " could not be counted on this host (no account limit asked): " + round.status().message());
    return internal::RandomHex(8);
  }

  // A modify the server refused because its schema lacks what Sesam writes:
  // never silent (issue 11).
  static void LogSchemaRefusal(const std::string& dn, std::string_view attributes,
                               const Status& status) {
    if (status.code() != StatusCode::kInvalidArgument) return;
    log::Error("LDAP: the server refused to write " + std::string(attributes) + " on " + dn +
               " (is the Sesam schema loaded? see schemas/README.md): " + status.message());
  }

  // Reads the account's rounds, lets `change` edit them (or refuse with an
  // error, which is returned as is), and writes them back with a
  // compare-and-swap modify: delete the exact old value, add the new one. A
  // lost race is retried with a fresh read.
  template <typename Change>
  Status RewriteRounds(const Account& account, Change change) {
    return pool_.Run([&](Session& session) -> Status {
      for (int attempt = 0; attempt < kCasAttempts; ++attempt) {
        SESAM_ASSIGN_OR_RETURN(Entry entry, ReadEntry(session, account.dn));
        const std::string old_value = entry.First("sesamResetRounds");
        std::vector<internal::Round> rounds = internal::ParseRounds(old_value);
        SESAM_RETURN_IF_ERROR(change(rounds));
        const std::string new_value = internal::FormatRounds(rounds);
        if (new_value == old_value) return Status::Ok();
        std::vector<Modification> mods;
        if (!HasObjectClass(entry, "sesamAccount")) {
          mods.push_back({LDAP_MOD_ADD, "objectClass", {"sesamAccount"}});
        }
        if (!old_value.empty()) mods.push_back({LDAP_MOD_DELETE, "sesamResetRounds", {old_value}});
        if (!new_value.empty()) mods.push_back({LDAP_MOD_ADD, "sesamResetRounds", {new_value}});
        const Status written = session.Modify(account.dn, mods, "").status;
        LogSchemaRefusal(account.dn, "sesamResetRounds / objectClass sesamAccount", written);
        if (written.ok() || !LostRace(written)) return written;
        // Another writer won this round: step aside a little, differently
        // for each contender, so the next attempt does not collide again.
        std::this_thread::sleep_for(RandomPause(attempt));
      }
      return Status(StatusCode::kUnavailable, "reset rounds kept changing concurrently",
                    "changed_concurrently");
    });
  }

  Result<Account> FindOne(const std::string& filter, std::string_view what,
                          const ServerProfile& profile) {
    std::vector<Entry> entries;
    const int scope =
        settings_.scope == config::LdapScope::kOne ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
    SESAM_RETURN_IF_ERROR(pool_.Run([&](Session& session) -> Status {
      Result<std::vector<Entry>> found =
          session.Search(settings_.base, scope, filter, attributes_, 2);
      if (!found.ok()) return found.status();
      entries = std::move(*found);
      return Status::Ok();
    }));
    if (entries.empty()) return NotFoundError("no account for this username");
    if (entries.size() > 1) {
      log::Error("LDAP: directory problem: more than one entry matches '" + std::string(what) +
                 "' (" + entries[0].dn + ", " + entries[1].dn + "); treated as not found");
      return Status(StatusCode::kNotFound,
                    "several entries match: " + entries[0].dn + ", " + entries[1].dn,
                    std::string(kReasonSeveralAccounts));
    }
    return ToAccount(entries.front(), what, profile);
  }

  Account ToAccount(const Entry& entry, std::string_view username, const ServerProfile& profile) {
    Account account;
    account.dn = entry.dn;
    account.username = entry.First("uid");
    if (account.username.empty()) account.username = std::string(username);
    // Unreadable or malformed: no id, so no link and no round (SendLinks).
    account.id = internal::IdFromValue(profile.id_attribute, entry.First(profile.id_attribute))
                     .value_or(std::string());
    account.display_name = entry.First("displayName");
    if (account.display_name.empty()) account.display_name = entry.First("cn");
    for (const auto& attribute : settings_.name_attribute) {
      account.given_name = entry.First(attribute);
      if (!account.given_name.empty()) break;
    }
    account.surname = entry.First("sn");
    std::vector<std::string> own;
    for (const auto& attribute : settings_.mail_attributes) {
      const auto& values = entry.Values(attribute);
      own.insert(own.end(), values.begin(), values.end());
    }
    std::vector<std::string> co;
    for (const auto& attribute : settings_.coaccount_mail_attributes) {
      const auto& values = entry.Values(attribute);
      co.insert(co.end(), values.begin(), values.end());
    }
    account.own_addresses = internal::NormalizeAddresses(own);
    account.coaccount_addresses = internal::NormalizeAddresses(co, account.own_addresses);
    account.password_state = StateOf(entry, profile);
    if (!profile.sesam_schema) {
      if (!account.id.empty()) {
        account.reset_rounds = ledger_.Rounds(ledger_.AccountKey(profile.id_attribute, account.id),
                                              std::chrono::system_clock::now());
      }
    } else {
      for (const auto& round : internal::ParseRounds(entry.First("sesamResetRounds"))) {
        account.reset_rounds.push_back(round.unix_seconds);
      }
    }
    account.disabled_by = DisabledBy(entry);
    account.disabled = !account.disabled_by.empty();
    return account;
  }

  Result<Entry> ReadEntry(Session& session, const std::string& dn) {
    SESAM_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           session.Search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", attributes_, 1));
    if (entries.empty()) return NotFoundError("the account's entry is gone");
    return std::move(entries.front());
  }

  void AddShadowLastChange(const Entry& entry, std::vector<Modification>& mods) const {
    if (settings_.update_shadow_last_change && HasObjectClass(entry, "shadowAccount")) {
      mods.push_back({LDAP_MOD_REPLACE,
                      "shadowLastChange",
                      {std::to_string(DaysSinceEpoch(std::time(nullptr)))}});
    }
  }

  // crypt / argon2: one modify under an assertion of the exact old values, so
  // the server applies it only while the password is unchanged.
  // Without the assertion control (NeedsHostClaim) the modify goes without
  // it: the host claim serialises the writers instead.
  Status WriteHashed(Session& session, const Entry& entry, const SecretString& new_password,
                     const ServerProfile& profile, std::optional<InDoubt>& doubt) {
    Result<std::string> value =
        settings_.password_mode == config::PasswordMode::kCrypt
            ? internal::CryptUserPassword(new_password, settings_.crypt_scheme)
            : internal::Argon2UserPassword(new_password);
    if (!value.ok()) return value.status();
    const SecretString hashed(*value);
    WipeString(*value);
    // A replace, not delete-old + add-new: slapd's ppolicy takes a deleted
    // value for the user's old password in clear text and refuses the hash.
    std::vector<Modification> mods{
        {LDAP_MOD_REPLACE, "userPassword", {std::string(hashed.view())}}};
    AddShadowLastChange(entry, mods);
    internal::WriteResult written = session.Modify(
        entry.dn, mods, profile.assertion_control ? StateAssertion(entry, profile) : "");
    WipeString(mods[0].values[0]);
    if (Unreachable(written.status)) {
      doubt.emplace();
      doubt->failure = written.status;
      doubt->write_sent = true;
      doubt->written_value = SecretString(hashed.view());
      return written.status;
    }
    return PasswordWriteStatus(written);
  }

  // exop / ad: slapd runs the Password Modify operation without honouring the
  // assertion control, so the writer first claims the password state with a
  // compare-and-swap modify (asserting the exact userPassword values); only
  // the claim's winner writes.
  Status WriteClaimed(Session& session, const Entry& entry, const SecretString& new_password,
                      std::string_view state, const ServerProfile& profile,
                      std::optional<InDoubt>& doubt) {
    const bool ad = settings_.password_mode == config::PasswordMode::kAd;
    if (ad && !session.tls()) {
      return PermissionDeniedError("password_mode = ad needs a TLS-protected connection");
    }
    const long long now = static_cast<long long>(std::time(nullptr));
    const std::string old_claim = entry.First("sesamPasswordClaim");
    if (!old_claim.empty() && ClaimBlocks(old_claim, state, now)) {
      return StateChanged("another password change for this account is in progress");
    }
    const std::string claim =
        std::string(state) + ":" + std::to_string(now) + ":" + internal::RandomHex(8);
    std::vector<Modification> mods;
    if (!HasObjectClass(entry, "sesamAccount")) {
      mods.push_back({LDAP_MOD_ADD, "objectClass", {"sesamAccount"}});
    }
    if (!old_claim.empty()) mods.push_back({LDAP_MOD_DELETE, "sesamPasswordClaim", {old_claim}});
    mods.push_back({LDAP_MOD_ADD, "sesamPasswordClaim", {claim}});
    // Without the assertion control the claim is still a compare-and-swap
    // (the exact old value is deleted), only not tied to the password state.
    const std::string assertion =
        ad ? "(objectClass=*)"
           : (profile.assertion_control ? StateAssertion(entry, profile) : std::string());
    const Status claimed = session.Modify(entry.dn, mods, assertion).status;
    LogSchemaRefusal(entry.dn, "sesamPasswordClaim / objectClass sesamAccount", claimed);
    if (Unreachable(claimed)) {
      // The claim may have landed; the password cannot have changed.
      doubt.emplace();
      doubt->failure = claimed;
      doubt->claim = claim;
      return claimed;
    }
    if (!claimed.ok()) {
      if (LostRace(claimed)) return StateChanged("the password was changed concurrently");
      return claimed;
    }
    Forget(old_claim);
    return WriteServerHashed(session, entry, new_password, claim, doubt);
  }

  // exop / ad: the write itself (RFC 3062 exop, or unicodePwd over TLS),
  // after the claim `claim` in the directory ("" when the host holds it),
  // which is released afterwards.
  Status WriteServerHashed(Session& session, const Entry& entry, const SecretString& new_password,
                           const std::string& claim, std::optional<InDoubt>& doubt) {
    const bool ad = settings_.password_mode == config::PasswordMode::kAd;
    if (ad && !session.tls()) {
      return PermissionDeniedError("password_mode = ad needs a TLS-protected connection");
    }
    internal::WriteResult written;
    if (ad) {
      Result<std::string> unicode = internal::UnicodePwd(new_password);
      if (!unicode.ok()) {
        written.status = unicode.status();
      } else {
        std::vector<Modification> write{{LDAP_MOD_REPLACE, "unicodePwd", {*unicode}}};
        written = session.Modify(entry.dn, write, "");
        WipeString(write[0].values[0]);
        WipeString(*unicode);
      }
    } else {
      written = session.PasswordModify(entry.dn, new_password);
    }
    if (Unreachable(written.status)) {
      doubt.emplace();
      doubt->failure = written.status;
      doubt->write_sent = true;
      doubt->claim = claim;
      return written.status;
    }
    // Release the claim: after success the state it names is gone anyway;
    // after a refusal the same reset may try another password.
    if (!claim.empty()) {
      const Status released =
          session.Modify(entry.dn, {{LDAP_MOD_DELETE, "sesamPasswordClaim", {claim}}}, "").status;
      if (!released.ok())
        log::Warning("LDAP: could not release a password claim: " + released.message());
    }
    SESAM_RETURN_IF_ERROR(PasswordWriteStatus(written));
    UpdateShadowLastChange(session, entry);
    return Status::Ok();
  }

  // exop / ad write the password apart from shadowLastChange; a failure here
  // leaves the password written.
  void UpdateShadowLastChange(Session& session, const Entry& entry) {
    std::vector<Modification> shadow;
    AddShadowLastChange(entry, shadow);
    if (shadow.empty()) return;
    const Status updated = session.Modify(entry.dn, shadow, "").status;
    if (!updated.ok()) {
      log::Warning("LDAP: password written but shadowLastChange not updated for " + entry.dn +
                   ": " + updated.message());
    }
  }

  // Whether `claim`, found on the entry, stops a writer that expects `state`
  // for the reset round `round` at unix time `now`. A claim for another state
  // is stale. A claim for this state blocks while its writer may still be
  // sending or awaiting its write: 120 s in general (a crashed writer, clocks
  // of several machines); for the same reset link (same round) only
  // 2 x timeout plus a margin for clock skew, because a writer sends its write
  // within one timeout of claiming and waits at most one more: after that it
  // has given up (its answer was lost), and the link's next try is not a
  // concurrent use. A claim this process left after a failed write
  // (Abandon) never blocks: its writer has returned.
  // A claim of the state blocks while its writer may still be writing: the
  // claim and the write are each bounded by [ldap] timeout, so after twice
  // that (and the clock skew between two Sesam hosts) the writer has either
  // changed the state (the claim no longer matters) or failed. Every link of
  // one state is the same to the directory, so a link's next try after a
  // failed one waits at most that long.
  bool ClaimBlocks(const std::string& claim, std::string_view state, long long now) {
    const std::vector<std::string> fields = SplitClaim(claim);
    if (fields[0] != state) return false;
    if (Abandoned(claim)) return false;
    const long long claimed_at = std::atoll(fields[1].c_str());
    return claimed_at > now - ClaimLifetimeSeconds();
  }

  // state, time, id, round ("" for fields a claim lacks).
  static std::vector<std::string> SplitClaim(const std::string& claim) {
    std::vector<std::string> fields;
    std::size_t begin = 0;
    while (fields.size() < 3) {
      const std::size_t colon = claim.find(':', begin);
      if (colon == std::string::npos) break;
      fields.push_back(claim.substr(begin, colon - begin));
      begin = colon + 1;
    }
    fields.push_back(claim.substr(std::min(begin, claim.size())));
    fields.resize(4);
    return fields;
  }

  // The read-back after a write whose answer was lost. On new connections
  // (the pool's are suspect), for up to timeout + network_timeout: read the
  // entry, decide whether the new password is in place, and release our
  // claim. How "in place" is decided:
  // - the password state (the stamp) is unchanged: the write did not land
  //   (every write stores a freshly salted value, and pwdLastSet moves in AD);
  // - the stamp changed: that alone is no proof, another path may have
  //   written. crypt / argon2: the exact value we sent (salted by us, so
  //   nobody else writes it) is among the userPassword values: ours landed.
  //   exop / ad: the server hashed the password, so the proof is a simple
  //   bind as the account with the new password on a new connection. Only in
  //   this case is a bind made; it fails (and counts for the lockout policy)
  //   only when another path changed the password at the same moment. An LDAP
  //   compare was not chosen: it needs the cleartext compared with a hash,
  //   which servers do unevenly (AD cannot compare unicodePwd), and slapd's
  //   ppolicy counts a failed compare like a failed bind anyway.
  // Known limit: a request held by a stalled server can still run when the
  // server resumes. A server that answers the read-back has resumed, and it
  // reads the old connection's pending request first in practice, but no
  // protocol promises that.
  Status ReadBack(const Account& account, const SecretString& new_password,
                  std::string_view expected_state, const ServerProfile& profile,
                  const InDoubt& doubt) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + settings_.timeout + settings_.network_timeout;
    Status last = doubt.failure;
    for (;;) {
      std::optional<Status> decided;
      const Status reached = pool_.RunFresh([&](Session& session) -> Status {
        SESAM_ASSIGN_OR_RETURN(Entry entry, ReadEntry(session, account.dn));
        Result<bool> landed = Landed(entry, new_password, expected_state, profile, doubt);
        if (!landed.ok() && Unreachable(landed.status())) return landed.status();
        if (!doubt.claim.empty()) ReleaseClaim(session, entry.dn, doubt.claim);
        if (!landed.ok()) {
          decided = Unconfirmed(doubt.failure, landed.status().message());
        } else if (*landed) {
          log::Warning("LDAP: the answer to a password write for " + entry.dn +
                       " was lost; the read-back shows it landed");
          if (!doubt.claim.empty()) UpdateShadowLastChange(session, entry);
          decided = Status::Ok();
        } else if (StateOf(entry, profile) == expected_state) {
          decided = NotChanged(doubt.failure);
        } else {
          decided = StateChanged("the password was changed by another path meanwhile");
        }
        return Status::Ok();
      });
      if (decided) return *decided;
      last = reached;
      if (!Unreachable(reached)) break;  // an answer, but not one to wait out (entry gone)
      if (!doubt.write_sent) break;      // only a claim in doubt: not worth a wait
      if (Clock::now() + kReadBackPause >= deadline) break;
      std::this_thread::sleep_for(kReadBackPause);
    }
    if (!doubt.claim.empty()) Abandon(doubt.claim);
    if (!doubt.write_sent) return NotChanged(doubt.failure);
    log::Warning("LDAP: the answer to a password write for " + account.dn +
                 " was lost and the directory could not be read back: " + last.message());
    return Unconfirmed(doubt.failure, last.message());
  }

  // Whether the write in doubt is in place (see ReadBack). An error: the
  // server could not tell (Unreachable: try again; otherwise give up).
  Result<bool> Landed(const Entry& entry, const SecretString& new_password,
                      std::string_view expected_state, const ServerProfile& profile,
                      const InDoubt& doubt) {
    if (!doubt.write_sent) return false;
    const std::vector<std::string>& values = entry.Values("userPassword");
    if (StateOf(entry, profile) == expected_state) return false;
    // Our exact value is the proof where userPassword can be read; else a bind.
    if (!doubt.written_value.empty() && !values.empty()) {
      return std::any_of(values.begin(), values.end(), [&](const std::string& value) {
        return doubt.written_value.Equals(value);
      });
    }
    const Status bound = internal::Session::CheckPassword(settings_, entry.dn, new_password);
    if (bound.ok()) return true;
    if (bound.reason() == "invalid_credentials") return false;
    return bound;
  }

  void ReleaseClaim(Session& session, const std::string& dn, const std::string& claim) {
    const Status released =
        session.Modify(dn, {{LDAP_MOD_DELETE, "sesamPasswordClaim", {claim}}}, "").status;
    // Gone already (taken over, or never landed) is fine.
    if (released.ok() || released.reason() == "changed_concurrently") {
      Forget(claim);
      return;
    }
    log::Warning("LDAP: could not release a password claim: " + released.message());
  }

  // Claims this process made and whose write failed without an answer, not
  // yet released: their writer has returned, so they must not block the
  // next try (ClaimBlocks). Bounded; the oldest are forgotten first (the
  // claim's own lifetime still ends them).
  void Abandon(const std::string& claim) {
    MutexLock lock(abandoned_mutex_);
    if (abandoned_.size() >= kMaxAbandonedClaims) abandoned_.pop_front();
    abandoned_.push_back(claim);
  }
  bool Abandoned(const std::string& claim) {
    MutexLock lock(abandoned_mutex_);
    return std::find(abandoned_.begin(), abandoned_.end(), claim) != abandoned_.end();
  }
  void Forget(const std::string& claim) {
    if (claim.empty()) return;
    MutexLock lock(abandoned_mutex_);
    std::erase(abandoned_, claim);
  }

  static Status PasswordWriteStatus(const internal::WriteResult& written) {
    if (written.status.ok()) return written.status;
    if (written.status.reason().rfind("ppolicy.", 0) == 0) return written.status;
    if (written.code == LDAP_ASSERTION_FAILED || written.code == LDAP_NO_SUCH_ATTRIBUTE) {
      return StateChanged("the password was changed concurrently");
    }
    if (written.code == LDAP_CONSTRAINT_VIOLATION) {
      // Refused by a policy that sent no (decodable) response control.
      return Status(StatusCode::kFailedPrecondition, written.status.message(), "ppolicy.other");
    }
    return written.status;
  }

  config::LdapSection settings_;
  std::vector<std::string> attributes_;
  internal::Pool pool_;
  internal::HostLedger ledger_;
  Mutex profile_mutex_;
  std::optional<ServerProfile> profile_ SESAM_GUARDED_BY(profile_mutex_);
  Mutex abandoned_mutex_;
  std::deque<std::string> abandoned_ SESAM_GUARDED_BY(abandoned_mutex_);
};

}  // namespace

std::vector<std::string> internal::AccountAttributes(const config::LdapSection& settings) {
  std::vector<std::string> attributes = {
      "uid", "displayName", "cn", "sn", "objectClass", "userPassword", "pwdLastSet",
      "sesamResetRounds", "sesamPasswordClaim",
      // Operational or optional: asked for by name. Every id attribute and
      // state source any profile may use: a server ignores those it lacks.
      "entryUUID", "nsUniqueId", "objectGUID", "pwdChangedTime", "pwdAccountLockedTime",
      "nsAccountLock", "userAccountControl"};
  for (const auto* list :
       {&settings.name_attribute, &settings.mail_attributes, &settings.coaccount_mail_attributes}) {
    attributes.insert(attributes.end(), list->begin(), list->end());
  }
  return attributes;
}

Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings) {
  return MakeLdapDirectory(settings, HostState{});
}

Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings,
                                                     HostState host) {
  SecretString bind_password;
  if (settings.sasl_mech.empty() && !settings.bind_password_file.empty()) {
    SESAM_ASSIGN_OR_RETURN(bind_password, config::ReadSecretFile(settings.bind_password_file));
  }
  if (settings.uri.empty()) return InvalidArgumentError("[ldap] uri is empty");
  // A bad TLS setting stops the start here, not every connection later.
  SESAM_RETURN_IF_ERROR(internal::CheckSettings(settings));
  if (!settings.tls_verify) {
    log::Warning("LDAP: tls_verify = no: the directory server's certificate is not checked");
  }
  return std::unique_ptr<Directory>(
      std::make_unique<LdapDirectory>(settings, std::move(bind_password), std::move(host)));
}

}  // namespace sesam::ldap
