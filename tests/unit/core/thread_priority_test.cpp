// SPDX-License-Identifier: Apache-2.0
#include "sesam/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include <CppUTest/TestHarness.h>

namespace {

int NiceOf(pid_t thread_id) {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(thread_id));
}

}  // namespace

TEST_GROUP(ThreadPriority){};

TEST(ThreadPriority, LowersTheCallingThreadOnly) {
  const int before = NiceOf(gettid());
  int background = -100;
  int main_seen_from_background = -100;
  const pid_t main_thread = gettid();
  std::thread worker([&] {
    CHECK_TRUE(sesam::LowerThisThreadPriority().ok());
    background = NiceOf(gettid());
    main_seen_from_background = NiceOf(main_thread);
  });
  worker.join();
  LONGS_EQUAL(sesam::kBackgroundNice, background);
  LONGS_EQUAL(before, main_seen_from_background);
  LONGS_EQUAL(before, NiceOf(gettid()));
}
