// SPDX-License-Identifier: Apache-2.0
// An in-memory Directory for unit tests: accounts by username and UUID, reset
// rounds with the same limit semantics, SetPassword atomic on the expected
// state, and a switch that makes every call fail as if the server were down.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sesam/ldap/directory.h"

namespace sesam::testing {

class FakeDirectory : public ldap::Directory {
 public:
  void Add(ldap::Account account, std::string password) {
    std::lock_guard lock(mutex_);
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
    std::lock_guard lock(mutex_);
    lost_reason_ = reason;
    lost_lands_ = lands;
  }
  std::string Password(const std::string& username) {
    std::lock_guard lock(mutex_);
    return passwords_[username];
  }
  // A change by another path (passwd, the admin): kills outstanding links.
  void ChangeElsewhere(const std::string& username, const std::string& password) {
    std::lock_guard lock(mutex_);
    passwords_[username] = password;
    accounts_[username].password_state = "state-" + std::to_string(++stamp_);
  }
  // While held, FindAccount waits (a slow directory): lets a test keep the
  // reset worker busy. `finds_waiting` counts the calls waiting at the gate.
  void HoldFinds() {
    std::lock_guard lock(gate_mutex_);
    held_ = true;
  }
  void ReleaseFinds() {
    {
      std::lock_guard lock(gate_mutex_);
      held_ = false;
    }
    gate_.notify_all();
  }
  int finds_waiting() {
    std::lock_guard lock(gate_mutex_);
    return waiting_;
  }
  int set_password_calls() {
    std::lock_guard lock(mutex_);
    return set_password_calls_;
  }
  int find_calls() {
    std::lock_guard lock(mutex_);
    return find_calls_;
  }

  Result<ldap::Account> FindAccount(std::string_view username) override {
    {
      std::unique_lock gate_lock(gate_mutex_);
      ++waiting_;
      gate_.wait(gate_lock, [this] { return !held_; });
      --waiting_;
    }
    std::lock_guard lock(mutex_);
    ++find_calls_;
    if (down_) return UnavailableError("fake directory is down");
    const auto found = accounts_.find(std::string(username));
    if (username.empty() || found == accounts_.end()) return NotFoundError("no such account");
    return found->second;
  }
  Result<ldap::Account> FindAccountByUuid(std::string_view uuid) override {
    std::lock_guard lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    for (const auto& [name, account] : accounts_) {
      if (account.entry_uuid == uuid) return account;
    }
    return NotFoundError("no such uuid");
  }
  Result<std::string> BeginResetRound(const ldap::Account& account, const config::Rate& limit,
                                      std::chrono::system_clock::time_point now) override {
    std::lock_guard lock(mutex_);
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
    std::lock_guard lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    ++cancel_calls_;
    std::erase_if(rounds_[account.username],
                  [&](const auto& round) { return round.first == round_id; });
    SyncRounds(account.username);
    return Status::Ok();
  }
  Status ClearResetRounds(const ldap::Account& account) override {
    std::lock_guard lock(mutex_);
    if (down_) return UnavailableError("fake directory is down");
    rounds_[account.username].clear();
    SyncRounds(account.username);
    return Status::Ok();
  }
  // Rounds recorded for `username` (the limit's window not applied).
  std::size_t rounds(const std::string& username) {
    std::lock_guard lock(mutex_);
    return rounds_[username].size();
  }
  int cancel_calls() {
    std::lock_guard lock(mutex_);
    return cancel_calls_;
  }
  // An administrator disables (or enables) the account.
  void SetDisabled(const std::string& username, bool disabled) {
    std::lock_guard lock(mutex_);
    accounts_[username].disabled = disabled;
    accounts_[username].disabled_by = disabled ? "nsAccountLock: TRUE" : "";
  }
  // An administrator changes the account's co-account addresses.
  void SetCoAccountAddresses(const std::string& username, std::vector<std::string> addresses) {
    std::lock_guard lock(mutex_);
    accounts_[username].coaccount_addresses = std::move(addresses);
  }
  Status SetPassword(const ldap::Account& account, const SecretString& password,
                     std::string_view expected_state) override {
    std::lock_guard lock(mutex_);
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
    std::lock_guard lock(gate_mutex_);
    pings_held_ = true;
  }
  void ReleasePings() {
    {
      std::lock_guard lock(gate_mutex_);
      pings_held_ = false;
    }
    gate_.notify_all();
  }
  int pings_waiting() {
    std::lock_guard lock(gate_mutex_);
    return pings_waiting_;
  }
  int ping_calls() {
    std::lock_guard lock(gate_mutex_);
    return ping_calls_;
  }
  Status Ping() override {
    {
      std::unique_lock gate_lock(gate_mutex_);
      ++ping_calls_;
      ++pings_waiting_;
      gate_.wait(gate_lock, [this] { return !pings_held_; });
      --pings_waiting_;
    }
    return down_ ? UnavailableError("down") : Status::Ok();
  }

 private:
  void SyncRounds(const std::string& username) {
    auto& times = accounts_[username].reset_rounds;
    times.clear();
    for (const auto& round : rounds_[username]) {
      times.push_back(
          std::chrono::duration_cast<std::chrono::seconds>(round.second.time_since_epoch())
              .count());
    }
  }

  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool held_ = false;
  int waiting_ = 0;
  bool pings_held_ = false;
  int pings_waiting_ = 0;
  int ping_calls_ = 0;
  std::mutex mutex_;
  std::atomic<bool> down_ = false;
  std::string lost_reason_;
  Lands lost_lands_ = Lands::kNo;
  int stamp_ = 0;
  int set_password_calls_ = 0;
  int find_calls_ = 0;
  std::map<std::string, ldap::Account> accounts_;
  std::map<std::string, std::string> passwords_;
  int cancel_calls_ = 0;
  std::map<std::string,
           std::vector<std::pair<std::string, std::chrono::system_clock::time_point>>>
      rounds_;
};

}  // namespace sesam::testing
