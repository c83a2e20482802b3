// The per-IP limit on POST forgot ([web] ip_limit, e.g. 20/10m): a sliding
// window per address, in this process only (the per-account limit is the one
// that must hold across processes; it lives in the directory).
// Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "sesam/config.h"

namespace sesam::web {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(config::Rate rate) : rate_(rate) {}

  // Counts one event for `key`. Returns 0 when allowed, else the seconds until
  // the next event would be (for Retry-After).
  long Hit(const std::string& key, Clock::time_point now);

 private:
  void Sweep(Clock::time_point now);

  const config::Rate rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> events_;
  Clock::time_point last_sweep_{};
};

}  // namespace sesam::web
