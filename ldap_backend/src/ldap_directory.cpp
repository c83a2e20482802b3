// MakeLdapDirectory: the Directory on a pool of libldap sessions. The design of
// the password-state stamp, the compare-and-swap writes and the reset rounds
// is described in sesam/ldap/directory.h.
#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>

#include "account_attributes.h"
#include "password_hash.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"
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
// A claim older than this is left over by a crashed writer and may be taken.
constexpr long long kClaimLifetimeSeconds = 120;
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
  return Status(StatusCode::kFailedPrecondition, std::move(message), "password_state_changed");
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

long long DaysSinceEpoch(std::time_t now) { return static_cast<long long>(now / 86400); }

class LdapDirectory final : public Directory {
 public:
  LdapDirectory(config::LdapSection settings, SecretString bind_password)
      : settings_(settings), pool_(std::move(settings), std::move(bind_password)) {
    attributes_ = internal::AccountAttributes(settings_);
  }

  Result<Account> FindAccount(std::string_view username) override {
    if (username.empty() || username.size() > kMaxUsernameBytes || !utf8::IsValid(username)) {
      return NotFoundError("no account for this username");
    }
    return FindOne(internal::ExpandFilter(settings_.user_filter, username), username);
  }

  Result<Account> FindAccountByUuid(std::string_view entry_uuid) override {
    const bool well_formed =
        entry_uuid.size() == 36 && std::all_of(entry_uuid.begin(), entry_uuid.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
        });
    if (!well_formed) return NotFoundError("no account with this entryUUID");
    const std::string filter = "(&(entryUUID=" + std::string(entry_uuid) + ")" +
                               internal::ExpandFilterAnyUser(settings_.user_filter) + ")";
    return FindOne(filter, entry_uuid);
  }

  Result<std::string> BeginResetRound(const Account& account, const config::Rate& limit,
                                      std::chrono::system_clock::time_point now) override {
    const long long now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const long long window_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(limit.window).count();
    std::string round_id;
    Status status = pool_.Run([&](Session& session) -> Status {
      for (int attempt = 0; attempt < kCasAttempts; ++attempt) {
        SESAM_ASSIGN_OR_RETURN(Entry entry, ReadEntry(session, account.dn));
        const std::string old_value = entry.First("sesamResetRounds");
        std::vector<internal::Round> kept;
        for (auto& round : internal::ParseRounds(old_value)) {
          if (round.unix_seconds > now_seconds - window_seconds) kept.push_back(std::move(round));
        }
        if (limit.count > 0 && kept.size() >= limit.count) {
          return ResourceExhaustedError("the account's reset limit is reached");
        }
        if (kept.size() >= kMaxRoundsKept) kept.erase(kept.begin());
        round_id = internal::RandomHex(8);
        kept.push_back({now_seconds, round_id});
        std::vector<Modification> mods;
        if (!HasObjectClass(entry, "sesamAccount")) {
          mods.push_back({LDAP_MOD_ADD, "objectClass", {"sesamAccount"}});
        }
        if (!old_value.empty()) mods.push_back({LDAP_MOD_DELETE, "sesamResetRounds", {old_value}});
        mods.push_back({LDAP_MOD_ADD, "sesamResetRounds", {internal::FormatRounds(kept)}});
        const Status written = session.Modify(account.dn, mods, "").status;
        if (written.ok() || !LostRace(written)) return written;
        // Another writer won this round: step aside a little, differently
        // for each contender, so the next attempt does not collide again.
        std::this_thread::sleep_for(RandomPause(attempt));
      }
      return Status(StatusCode::kUnavailable, "reset rounds kept changing concurrently",
                    "changed_concurrently");
    });
    if (!status.ok()) return status;
    return round_id;
  }

  Status SetPassword(const Account& account, const SecretString& new_password,
                     std::string_view expected_state) override {
    return pool_.Run([&](Session& session) -> Status {
      SESAM_ASSIGN_OR_RETURN(Entry entry, ReadEntry(session, account.dn));
      const std::vector<std::string>& old_values = entry.Values("userPassword");
      if (internal::PasswordState(old_values, entry.First("pwdLastSet")) != expected_state) {
        return StateChanged("the password was changed since this reset began");
      }
      switch (settings_.password_mode) {
        case config::PasswordMode::kCrypt:
        case config::PasswordMode::kArgon2:
          return WriteHashed(session, entry, new_password);
        case config::PasswordMode::kExop:
        case config::PasswordMode::kAd:
          return WriteClaimed(session, entry, new_password, expected_state);
      }
      return InternalError("unknown password_mode");
    });
  }

  Status Ping() override {
    return pool_.Run([&](Session& session) -> Status {
      return session.Search(settings_.base, LDAP_SCOPE_BASE, "(objectClass=*)", {"1.1"}, 1)
          .status();
    });
  }

 private:
  Result<Account> FindOne(const std::string& filter, std::string_view what) {
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
    return ToAccount(entries.front(), what);
  }

  Account ToAccount(const Entry& entry, std::string_view username) const {
    Account account;
    account.dn = entry.dn;
    account.username = entry.First("uid");
    if (account.username.empty()) account.username = std::string(username);
    account.entry_uuid = entry.First("entryUUID");
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
    account.password_state =
        internal::PasswordState(entry.Values("userPassword"), entry.First("pwdLastSet"));
    const auto rounds = internal::ParseRounds(entry.First("sesamResetRounds"));
    if (!rounds.empty()) account.latest_reset_round = rounds.back().id;
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
  Status WriteHashed(Session& session, const Entry& entry, const SecretString& new_password) {
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
    internal::WriteResult written =
        session.Modify(entry.dn, mods, PasswordAssertion(entry.Values("userPassword")));
    WipeString(mods[0].values[0]);
    return PasswordWriteStatus(written);
  }

  // exop / ad: slapd runs the Password Modify operation without honouring the
  // assertion control, so the writer first claims the password state with a
  // compare-and-swap modify (asserting the exact userPassword values); only
  // the claim's winner writes.
  Status WriteClaimed(Session& session, const Entry& entry, const SecretString& new_password,
                      std::string_view state) {
    const bool ad = settings_.password_mode == config::PasswordMode::kAd;
    if (ad && !session.tls()) {
      return PermissionDeniedError("password_mode = ad needs a TLS-protected connection");
    }
    const long long now = static_cast<long long>(std::time(nullptr));
    const std::string old_claim = entry.First("sesamPasswordClaim");
    if (!old_claim.empty()) {
      const std::size_t colon = old_claim.find(':');
      const std::string claimed_state = old_claim.substr(0, colon);
      const long long claimed_at =
          colon == std::string::npos ? 0 : std::atoll(old_claim.c_str() + colon + 1);
      if (claimed_state == state && claimed_at > now - kClaimLifetimeSeconds) {
        return StateChanged("another password change for this account is in progress");
      }
    }
    const std::string claim =
        std::string(state) + ":" + std::to_string(now) + ":" + internal::RandomHex(8);
    std::vector<Modification> mods;
    if (!HasObjectClass(entry, "sesamAccount")) {
      mods.push_back({LDAP_MOD_ADD, "objectClass", {"sesamAccount"}});
    }
    if (!old_claim.empty()) mods.push_back({LDAP_MOD_DELETE, "sesamPasswordClaim", {old_claim}});
    mods.push_back({LDAP_MOD_ADD, "sesamPasswordClaim", {claim}});
    const std::string assertion =
        ad ? "(objectClass=*)" : PasswordAssertion(entry.Values("userPassword"));
    const Status claimed = session.Modify(entry.dn, mods, assertion).status;
    if (!claimed.ok()) {
      if (LostRace(claimed)) return StateChanged("the password was changed concurrently");
      return claimed;
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
    // Release the claim: after success the state it names is gone anyway;
    // after a refusal the same reset may try another password.
    const Status released =
        session.Modify(entry.dn, {{LDAP_MOD_DELETE, "sesamPasswordClaim", {claim}}}, "").status;
    if (!released.ok())
      log::Warning("LDAP: could not release a password claim: " + released.message());
    SESAM_RETURN_IF_ERROR(PasswordWriteStatus(written));
    std::vector<Modification> shadow;
    AddShadowLastChange(entry, shadow);
    if (!shadow.empty()) {
      const Status updated = session.Modify(entry.dn, shadow, "").status;
      if (!updated.ok()) {
        log::Warning("LDAP: password written but shadowLastChange not updated for " + entry.dn +
                     ": " + updated.message());
      }
    }
    return Status::Ok();
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
};

}  // namespace

std::vector<std::string> internal::AccountAttributes(const config::LdapSection& settings) {
  std::vector<std::string> attributes = {"uid",
                                         "entryUUID",
                                         "displayName",
                                         "cn",
                                         "sn",
                                         "objectClass",
                                         "userPassword",
                                         "pwdLastSet",
                                         "sesamResetRounds",
                                         "sesamPasswordClaim"};
  for (const auto* list :
       {&settings.name_attribute, &settings.mail_attributes, &settings.coaccount_mail_attributes}) {
    attributes.insert(attributes.end(), list->begin(), list->end());
  }
  return attributes;
}

Result<std::unique_ptr<Directory>> MakeLdapDirectory(const config::LdapSection& settings) {
  SecretString bind_password;
  if (settings.sasl_mech.empty() && !settings.bind_password_file.empty()) {
    SESAM_ASSIGN_OR_RETURN(bind_password, config::ReadSecretFile(settings.bind_password_file));
  }
  if (settings.uri.empty()) return InvalidArgumentError("[ldap] uri is empty");
  if (!settings.tls_verify) {
    log::Warning("LDAP: tls_verify = no: the directory server's certificate is not checked");
  }
  return std::unique_ptr<Directory>(
      std::make_unique<LdapDirectory>(settings, std::move(bind_password)));
}

}  // namespace sesam::ldap
