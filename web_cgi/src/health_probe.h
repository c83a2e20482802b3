// SPDX-License-Identifier: Apache-2.0
// GET healthz asks the directory whether it answers (Directory::Ping, one
// search). A monitor, a load balancer or anyone on the Internet may ask many
// times a second: the answer is kept for one second, and while one thread
// pings, the others that ask wait for its answer instead of pinging too
// (single flight). So the directory sees at most one ping per second per
// process, whatever the request rate and however many threads ask at once.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "sesam/ldap/directory.h"
#include "sesam/mutex.h"
#include "sesam/status.h"

namespace sesam::web {

class HealthProbe {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::chrono::seconds kFresh{1};

  // `directory` must outlive the probe; `now` is the clock the age is read on.
  HealthProbe(ldap::Directory* directory, std::function<Clock::time_point()> now)
      : directory_(directory), now_(std::move(now)) {}

  // The directory's answer, at most kFresh old.
  Status Get();

 private:
  ldap::Directory* directory_;
  std::function<Clock::time_point()> now_;
  Mutex mutex_;
  CondVar done_;
  bool probing_ SESAM_GUARDED_BY(mutex_) = false;
  bool have_ SESAM_GUARDED_BY(mutex_) = false;
  std::uint64_t generation_ SESAM_GUARDED_BY(mutex_) = 0;  // one more per finished ping
  Clock::time_point probed_at_ SESAM_GUARDED_BY(mutex_){};
  Status last_ SESAM_GUARDED_BY(mutex_) = Status::Ok();
};

}  // namespace sesam::web
