// SPDX-License-Identifier: Apache-2.0
#include "health_probe.h"

#include "sesam/log.h"

namespace sesam::web {

Status HealthProbe::Get() {
  MutexLock lock(mutex_);
  const auto now = now_();
  // A clock set back counts as stale, so the cache cannot outlive a jump.
  const bool fresh = have_ && now >= probed_at_ && now - probed_at_ < kFresh;
  if (fresh) return last_;
  if (probing_) {
    const std::uint64_t waiting_for = generation_ + 1;
    while (generation_ < waiting_for) done_.Wait(mutex_);
    return last_;
  }
  probing_ = true;
  lock.Unlock();
  Status status;
  try {
    status = directory_->Ping();
  } catch (...) {
    // The waiters must not hang on a ping that never finishes.
    status = InternalError("directory ping failed with an exception");
  }
  if (!status.ok()) log::Warning("healthz: directory unavailable: " + status.ToString());
  lock.Lock();
  last_ = std::move(status);
  probed_at_ = now_();
  have_ = true;
  probing_ = false;
  ++generation_;
  done_.NotifyAll();
  return last_;
}

}  // namespace sesam::web
