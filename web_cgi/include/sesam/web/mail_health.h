// SPDX-License-Identifier: Apache-2.0
// Whether mail is getting through, for GET healthz: the SMTP mailer reports
// every delivery attempt (MailerOptions::on_attempt), and MailHealth keeps
// the failures of the last kWindow. A message the server defers (4xx, down,
// timeout) shows at its first failed attempt, minutes before its retries run
// out and its MailMessage::on_done says it was given up; a refusal (5xx)
// shows at once. healthz reads this summary: no directory search, no SMTP
// connection per request.
//
// Threading: Record and Get may be called from any thread at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>

#include "sesam/mutex.h"
#include "sesam/web/mail.h"

namespace sesam::web {

class MailHealth {
 public:
  using Clock = std::chrono::steady_clock;
  // How far back a failure counts: a monitor polling every minute or five
  // sees it, and mail that works again clears within minutes.
  static constexpr std::chrono::minutes kWindow{5};
  // Failures remembered at most (a memory bound under an outage at full rate).
  static constexpr std::size_t kMaxRemembered = 10000;

  explicit MailHealth(std::function<Clock::time_point()> now = Clock::now) : now_(std::move(now)) {}

  void Record(DeliveryAttempt attempt);

  struct Report {
    std::size_t deferred = 0;  // attempts that failed and will be retried, in the window
    std::size_t refused = 0;   // messages refused or given up, in the window
    bool failing() const { return deferred + refused > 0; }
    // "2 deferred, 1 refused in the last 5 minutes"
    std::string ToString() const;
  };
  Report Get();

 private:
  void Forget(Clock::time_point now) SESAM_REQUIRES(mutex_);

  std::function<Clock::time_point()> now_;
  Mutex mutex_;
  struct Failure {
    Clock::time_point at;
    DeliveryAttempt attempt;
  };
  std::deque<Failure> failures_ SESAM_GUARDED_BY(mutex_);  // oldest first
};

}  // namespace sesam::web
