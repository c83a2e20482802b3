// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/mail_health.h"

namespace sesam::web {

void MailHealth::Record(DeliveryAttempt attempt) {
  if (attempt == DeliveryAttempt::kAccepted) return;
  const auto now = now_();
  MutexLock lock(mutex_);
  Forget(now);
  if (failures_.size() >= kMaxRemembered) failures_.pop_front();
  failures_.push_back({now, attempt});
}

MailHealth::Report MailHealth::Get() {
  const auto now = now_();
  MutexLock lock(mutex_);
  Forget(now);
  Report report;
  for (const Failure& failure : failures_) {
    ++(failure.attempt == DeliveryAttempt::kDeferred ? report.deferred : report.refused);
  }
  return report;
}

void MailHealth::Forget(Clock::time_point now) {
  while (!failures_.empty() && now - failures_.front().at >= kWindow) failures_.pop_front();
}

std::string MailHealth::Report::ToString() const {
  return std::to_string(deferred) + " deferred, " + std::to_string(refused) +
         " refused in the last " +
         std::to_string(std::chrono::duration_cast<std::chrono::minutes>(kWindow).count()) +
         " minutes";
}

}  // namespace sesam::web
