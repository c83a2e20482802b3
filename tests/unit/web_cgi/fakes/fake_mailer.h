// SPDX-License-Identifier: Apache-2.0
// A Mailer that keeps what it is given, for unit tests.
#pragma once

#include <mutex>
#include <vector>

#include "sesam/web/mail.h"

namespace sesam::testing {

class FakeMailer : public web::Mailer {
 public:
  Status Enqueue(web::MailMessage message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
    return Status::Ok();
  }
  void Shutdown(std::chrono::steady_clock::time_point) override {}
  std::vector<web::MailMessage> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<web::MailMessage> messages_;
};

}  // namespace sesam::testing
