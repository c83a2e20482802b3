// SPDX-License-Identifier: Apache-2.0
#include "log_throttle.h"

namespace sesam::web {

bool LogThrottle::Admit(Clock::time_point now, std::uint64_t& left_out) {
  MutexLock lock(mutex_);
  left_out = 0;
  if (!started_ || now - interval_start_ >= interval_) {
    started_ = true;
    interval_start_ = now;
    written_ = 0;
  }
  if (written_ >= per_interval_) {
    ++left_out_;
    return false;
  }
  ++written_;
  left_out = left_out_;
  left_out_ = 0;
  return true;
}

void LogThrottle::Write(log::Level level, std::string_view message, Clock::time_point now) {
  std::uint64_t left_out = 0;
  if (!Admit(now, left_out)) return;
  if (left_out != 0) {
    log::Write(
        level,
        std::to_string(left_out) + " more " + kind_ + " lines were left out (at most " +
            std::to_string(per_interval_) + " per " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(interval_).count()) +
            "s)");
  }
  log::Write(level, message);
}

}  // namespace sesam::web
