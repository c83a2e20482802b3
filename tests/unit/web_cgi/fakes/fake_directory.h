// An in-memory Directory for unit tests: accounts by username and UUID, reset
// rounds with the same limit semantics, SetPassword atomic on the expected
// state, and a switch that makes every call fail as if the server were down.
#pragma once

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
  int set_password_calls() const { return set_password_calls_; }
  int find_calls() const { return find_calls_; }

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
    std::erase_if(rounds, [&](auto t) { return now - t >= limit.window; });
    if (rounds.size() >= limit.count) return ResourceExhaustedError("account limit");
    rounds.push_back(now);
    const std::string id = "round-" + std::to_string(++stamp_);
    accounts_[account.username].latest_reset_round = id;
    return id;
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
  Status Ping() override { return down_ ? UnavailableError("down") : Status::Ok(); }

 private:
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool held_ = false;
  int waiting_ = 0;
  std::mutex mutex_;
  bool down_ = false;
  std::string lost_reason_;
  Lands lost_lands_ = Lands::kNo;
  int stamp_ = 0;
  int set_password_calls_ = 0;
  int find_calls_ = 0;
  std::map<std::string, ldap::Account> accounts_;
  std::map<std::string, std::string> passwords_;
  std::map<std::string, std::vector<std::chrono::system_clock::time_point>> rounds_;
};

}  // namespace sesam::testing
