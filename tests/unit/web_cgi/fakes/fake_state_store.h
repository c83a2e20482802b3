// SPDX-License-Identifier: Apache-2.0
// An in-memory state::Store for unit tests, with the same window and limit
// semantics as the LMDB store, and a switch that makes every call fail as if
// the store were unwritable.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sesam/mutex.h"
#include "sesam/state_store.h"

namespace sesam::testing {

class FakeStateStore : public state::Store {
 public:
  void SetBroken(bool broken) {
    MutexLock lock(mutex_);
    broken_ = broken;
  }
  // Every key ever written (the tests check that no address is a key).
  std::vector<std::string> Keys() {
    MutexLock lock(mutex_);
    std::vector<std::string> keys;
    for (const auto& [key, events] : events_) keys.push_back(key);
    return keys;
  }

  Result<std::vector<state::Event>> Admit(std::string_view key, unsigned limit,
                                          std::chrono::seconds window, std::int64_t now,
                                          std::string_view id) override {
    MutexLock lock(mutex_);
    if (broken_) return PermissionDeniedError("fake store: not writable");
    auto& events = events_[std::string(key)];
    std::erase_if(events, [&](const state::Event& e) { return e.at <= now - window.count(); });
    if (limit > 0 && events.size() >= limit) {
      return Status(StatusCode::kResourceExhausted, "limit", "state.limit");
    }
    events.push_back({now, std::string(id)});
    return events;
  }
  Status Remove(std::string_view key, std::string_view id) override {
    MutexLock lock(mutex_);
    if (broken_) return PermissionDeniedError("fake store: not writable");
    std::erase_if(events_[std::string(key)], [&](const state::Event& e) { return e.id == id; });
    return Status::Ok();
  }
  Result<std::vector<state::Event>> Events(std::string_view key, std::chrono::seconds window,
                                           std::int64_t now) override {
    MutexLock lock(mutex_);
    if (broken_) return PermissionDeniedError("fake store: not readable");
    std::vector<state::Event> out;
    for (const auto& e : events_[std::string(key)]) {
      if (e.at > now - window.count()) out.push_back(e);
    }
    return out;
  }
  Status Clear(std::string_view key) override {
    MutexLock lock(mutex_);
    if (broken_) return PermissionDeniedError("fake store: not writable");
    events_.erase(std::string(key));
    return Status::Ok();
  }
  Status Check() override {
    MutexLock lock(mutex_);
    return broken_ ? PermissionDeniedError("broken") : Status::Ok();
  }

 private:
  Mutex mutex_;
  bool broken_ SESAM_GUARDED_BY(mutex_) = false;
  std::map<std::string, std::vector<state::Event>> events_ SESAM_GUARDED_BY(mutex_);
};

}  // namespace sesam::testing
