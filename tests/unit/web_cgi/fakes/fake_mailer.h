// SPDX-License-Identifier: Apache-2.0
// A Mailer that keeps what it is given, for unit tests.
#pragma once

#include <vector>

#include "sesam/mutex.h"
#include "sesam/web/mail.h"

namespace sesam::testing {

class FakeMailer : public web::Mailer {
 public:
  Status Enqueue(web::MailMessage message) override {
    MutexLock lock(mutex_);
    messages_.push_back(std::move(message));
    return Status::Ok();
  }
  void Shutdown(std::chrono::steady_clock::time_point) override {}
  std::vector<web::MailMessage> Take() {
    MutexLock lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  Mutex mutex_;
  std::vector<web::MailMessage> messages_ SESAM_GUARDED_BY(mutex_);
};

}  // namespace sesam::testing
