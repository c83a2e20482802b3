#include "rate_limiter.h"

namespace sesam::web {

long RateLimiter::Hit(const std::string& key, Clock::time_point now) {
  if (rate_.count == 0) return 0;  // 0/... switches the limit off
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ > rate_.window) Sweep(now);
  auto& events = events_[key];
  while (!events.empty() && now - events.front() >= rate_.window) events.pop_front();
  if (events.size() >= rate_.count) {
    const auto wait = events.front() + rate_.window - now;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    return seconds < 1 ? 1 : static_cast<long>(seconds);
  }
  events.push_back(now);
  return 0;
}

// Drops addresses whose events are all older than the window, so memory stays
// bounded by the addresses seen in one window.
void RateLimiter::Sweep(Clock::time_point now) {
  for (auto it = events_.begin(); it != events_.end();) {
    if (it->second.empty() || now - it->second.back() >= rate_.window) {
      it = events_.erase(it);
    } else {
      ++it;
    }
  }
  last_sweep_ = now;
}

}  // namespace sesam::web
