// SPDX-License-Identifier: Apache-2.0
// Log lines that visitors can cause at will (a malformed form, a proxy header
// that is not an address) are throttled, so a flood of them cannot fill the
// disk or drown the lines that matter: at most `per_interval` lines of one
// kind per interval, then one line saying how many were left out. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sesam/log.h"
#include "sesam/mutex.h"

namespace sesam::web {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  // `kind` names the lines in the summary ("bad form").
  LogThrottle(std::string kind, unsigned per_interval, Clock::duration interval)
      : kind_(std::move(kind)), per_interval_(per_interval), interval_(interval) {}

  // Whether a line may be written at `now`. `left_out` is set to the lines
  // left out before it and not reported yet: the caller reports them first.
  bool Admit(Clock::time_point now, std::uint64_t& left_out);

  // Admit, then writes the summary (if any) and `message` at `level`.
  void Write(log::Level level, std::string_view message, Clock::time_point now = Clock::now());

 private:
  const std::string kind_;
  const unsigned per_interval_;
  const Clock::duration interval_;
  Mutex mutex_;
  Clock::time_point interval_start_ SESAM_GUARDED_BY(mutex_){};
  bool started_ SESAM_GUARDED_BY(mutex_) = false;
  unsigned written_ SESAM_GUARDED_BY(mutex_) = 0;
  std::uint64_t left_out_ SESAM_GUARDED_BY(mutex_) = 0;
};

}  // namespace sesam::web
