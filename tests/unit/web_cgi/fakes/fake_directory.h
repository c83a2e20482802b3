// SPDX-License-Identifier: Apache-2.0
// An in-memory Directory for unit tests: accounts by username and UUID, reset
// rounds with the same limit semantics, SetPassword atomic on the expected
// state, and a switch that makes every call fail as if the server were down.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sesam/ldap/directory.h"
#include "sesam/mutex.h"

namespace sesam::testing {

class FakeDirectory : public ldap::Directory {
 public:
  void Add(ldap::Account account, std::string password) {
    MutexLock lock(mutex_);
    account.password_state = "state-" + std::to_string(++stamp_);
    passwords_[account.username] = std::move(password);
    accounts_[account.username] = std::move(account);
  }
  void SetDown(bool down) { down_ = down; }
  // The next SetPassword loses its answer as the LDAP Directory reports it:
  // Unavailable with `reason` (ldap::kPasswordNotChanged or
  // kPasswordUnconfirmed); the password is written only when `lands`.
  enum class Lands { kNo, kYes };
  void LoseNextWrite(std::string_view reason, Lands lands) {
    MutexLock lock(mutex_);
    lost_reason_ = reason;
    lost_lands_ = lands;
  }
  std::string Password(const std::string& username) {
    MutexLock lock(mutex_);
    return passwords_[username];
  }
  // A change by another path (passwd, the admin): kills outstanding links.
  void ChangeElsewhere(const std::string& username, const std::string& password) {
    MutexLock lock(mutex_);
    passwords_[username] = password;
    accounts_[username].password_state = "state-" + std::to_string(++stamp_);
  }
  // While held, FindAccount waits (a slow directory): lets a test keep the
  // reset worker busy. `finds_waiting` counts the calls waiting at the gate.
  void HoldFinds() {
    MutexLock lock(gate_mutex_);
    held_ = true;
  }
  void ReleaseFinds() {
    {
      MutexLock lock(gate_mutex_);
      held_ = false;
    }
    gate_.NotifyAll();
  }
  int finds_waiting() {
    MutexLock lock(gate_mutex_);
    return waiting_;
  }
  int set_password_calls() {
    MutexLock lock(mutex_);
    return set_password_calls_;
  }
  int find_calls() {
    MutexLock lock(mutex_);
    return find_calls_;
  }

  Result<ldap::Account> FindAccount(std::string_view username) override {
    {
      MutexLock gate_lock(gate_mutex_);
      ++waiting_;
      while (held_) gate_.Wait(gate_mutex_);
      --waiting_;
    }
    MutexLock lock(mutex_);
    ++find_calls_;
    if (down_) return UnavailableError("fake directory is down");
    const auto found = accounts_.find(std::string(username));
    if (username.empty() || found == accounts_.end()) return NotFoundError("no such account");
    return found->second;
  }
  Result<ldap::Account> FindAccountById(std::string_view uuid) override {
    MutexLock lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    for (const auto& [name, account] : accounts_) {
      if (account.id == uuid) return account;
    }
    return NotFoundError("no such uuid");
  }
  Result<std::string> BeginResetRound(const ldap::Account& account, const config::Rate& limit,
                                      std::chrono::system_clock::time_point now) override {
    MutexLock lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    auto& rounds = rounds_[account.username];
    std::erase_if(rounds, [&](const auto& round) { return now - round.second >= limit.window; });
    if (limit.count > 0 && rounds.size() >= limit.count) {
      return ResourceExhaustedError("account limit");
    }
    const std::string id = "round-" + std::to_string(++stamp_);
    rounds.emplace_back(id, now);
    SyncRounds(account.username);
    return id;
  }
  Status CancelResetRound(const ldap::Account& account, std::string_view round_id) override {
    MutexLock lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    ++cancel_calls_;
    std::erase_if(rounds_[account.username],
                  [&](const auto& round) { return round.first == round_id; });
    SyncRounds(account.username);
    return Status::Ok();
  }
  Status ClearResetRounds(const ldap::Account& account) override {
    MutexLock lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    rounds_[account.username].clear();
    SyncRounds(account.username);
    return Status::Ok();
  }
  // Rounds recorded for `username` (the limit's window not applied).
  std::size_t rounds(const std::string& username) {
    MutexLock lock(mutex_);
    return rounds_[username].size();
  }
  int cancel_calls() {
    MutexLock lock(mutex_);
    return cancel_calls_;
  }
  // An administrator disables (or enables) the account.
  void SetDisabled(const std::string& username, bool disabled) {
    MutexLock lock(mutex_);
    accounts_[username].disabled = disabled;
    accounts_[username].disabled_by = disabled ? "nsAccountLock: TRUE" : "";
  }
  // An administrator changes the account's co-account addresses.
  void SetCoAccountAddresses(const std::string& username, std::vector<std::string> addresses) {
    MutexLock lock(mutex_);
    accounts_[username].coaccount_addresses = std::move(addresses);
  }
  Status SetPassword(const ldap::Account& account, const SecretString& password,
                     std::string_view expected_state) override {
    MutexLock lock(mutex_);
    ++set_password_calls_;
    if (down_) return UnavailableError("fake directory is down");
    auto& stored = accounts_[account.username];
    if (stored.password_state != expected_state) {
      return Status(StatusCode::kFailedPrecondition, "state changed", "password_state_changed");
    }
    const std::string lost = std::exchange(lost_reason_, std::string());
    if (!lost.empty() && lost_lands_ == Lands::kNo) {
      return Status(StatusCode::kUnavailable, "fake directory lost a write", lost);
    }
    passwords_[account.username] = std::string(password.view());
    stored.password_state = "state-" + std::to_string(++stamp_);
    if (!lost.empty()) return Status(StatusCode::kUnavailable, "fake directory lost a write", lost);
    return Status::Ok();
  }
  // While held, Ping waits (a slow directory): lets a test pile up healthz
  // requests behind one ping. `pings_waiting` counts the calls at the gate.
  void HoldPings() {
    MutexLock lock(gate_mutex_);
    pings_held_ = true;
  }
  void ReleasePings() {
    {
      MutexLock lock(gate_mutex_);
      pings_held_ = false;
    }
    gate_.NotifyAll();
  }
  int pings_waiting() {
    MutexLock lock(gate_mutex_);
    return pings_waiting_;
  }
  int ping_calls() {
    MutexLock lock(gate_mutex_);
    return ping_calls_;
  }
  // What Profile() answers (by default OpenLDAP with the Sesam schema).
  void SetProfile(ldap::ServerProfile profile) {
    MutexLock lock(mutex_);
    profile_ = std::move(profile);
  }
  Result<ldap::ServerProfile> Profile() override {
    MutexLock lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    return profile_;
  }
  Status Ping() override {
    {
      MutexLock gate_lock(gate_mutex_);
      ++ping_calls_;
      ++pings_waiting_;
      while (pings_held_) gate_.Wait(gate_mutex_);
      --pings_waiting_;
    }
    return down_ ? UnavailableError("down") : Status::Ok();
  }

 private:
  void SyncRounds(const std::string& username) SESAM_REQUIRES(mutex_) {
    auto& times = accounts_[username].reset_rounds;
    times.clear();
    for (const auto& round : rounds_[username]) {
      times.push_back(
          std::chrono::duration_cast<std::chrono::seconds>(round.second.time_since_epoch())
              .count());
    }
  }

  Mutex gate_mutex_;
  CondVar gate_;
  bool held_ SESAM_GUARDED_BY(gate_mutex_) = false;
  int waiting_ SESAM_GUARDED_BY(gate_mutex_) = 0;
  bool pings_held_ SESAM_GUARDED_BY(gate_mutex_) = false;
  int pings_waiting_ SESAM_GUARDED_BY(gate_mutex_) = 0;
  int ping_calls_ SESAM_GUARDED_BY(gate_mutex_) = 0;
  Mutex mutex_;
  std::atomic<bool> down_ = false;
  std::string lost_reason_ SESAM_GUARDED_BY(mutex_);
  Lands lost_lands_ SESAM_GUARDED_BY(mutex_) = Lands::kNo;
  int stamp_ SESAM_GUARDED_BY(mutex_) = 0;
  int set_password_calls_ SESAM_GUARDED_BY(mutex_) = 0;
  int find_calls_ SESAM_GUARDED_BY(mutex_) = 0;
  std::map<std::string, ldap::Account> accounts_ SESAM_GUARDED_BY(mutex_);
  std::map<std::string, std::string> passwords_ SESAM_GUARDED_BY(mutex_);
  int cancel_calls_ SESAM_GUARDED_BY(mutex_) = 0;
  ldap::ServerProfile profile_ SESAM_GUARDED_BY(mutex_){.vendor = "OpenLDAP",
                                                        .id_attribute = "entryUUID",
                                                        .state_source = "userPassword",
                                                        .sesam_schema = true,
                                                        .assertion_control = true};
  std::map<std::string, std::vector<std::pair<std::string, std::chrono::system_clock::time_point>>>
      rounds_ SESAM_GUARDED_BY(mutex_);
};

}  // namespace sesam::testing
