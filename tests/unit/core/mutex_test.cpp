// SPDX-License-Identifier: Apache-2.0
#include "sesam/mutex.h"

#include <chrono>
#include <thread>

#include <CppUTest/TestHarness.h>

namespace {

struct Box {
  sesam::Mutex mu;
  sesam::CondVar changed;
  int value SESAM_GUARDED_BY(mu) = 0;
};

// Whether another thread could take `mu` now (a thread must not try_lock a
// std::mutex it holds itself).
bool FreeForOthers(sesam::Mutex& mu) {
  bool took = false;
  std::thread other([&] {
    if (mu.TryLock()) {
      took = true;
      mu.Unlock();
    }
  });
  other.join();
  return took;
}

}  // namespace

TEST_GROUP(Mutex){};

TEST(Mutex, WaitWakesOnNotifyAndHoldsTheLockAgain) {
  Box box;
  std::thread setter([&] {
    sesam::MutexLock lock(box.mu);
    box.value = 1;
    box.changed.NotifyAll();
  });
  {
    sesam::MutexLock lock(box.mu);
    while (box.value == 0) box.changed.Wait(box.mu);
    LONGS_EQUAL(1, box.value);
    CHECK_FALSE(FreeForOthers(box.mu));
  }
  setter.join();
  CHECK_TRUE(FreeForOthers(box.mu));
}

TEST(Mutex, WaitUntilIsFalseOnceTheDeadlinePassed) {
  Box box;
  sesam::MutexLock lock(box.mu);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  bool notified = true;
  while (box.value == 0 && (notified = box.changed.WaitUntil(box.mu, deadline))) {
  }
  CHECK_FALSE(notified);
  CHECK_TRUE(std::chrono::steady_clock::now() >= deadline);
  CHECK_FALSE(FreeForOthers(box.mu));  // held again on return
}

TEST(Mutex, AScopeCanStepOutOfTheLockAndBack) {
  Box box;
  {
    sesam::MutexLock lock(box.mu);
    lock.Unlock();
    CHECK_TRUE(FreeForOthers(box.mu));
    lock.Lock();
    box.value = 2;
    CHECK_FALSE(FreeForOthers(box.mu));
  }
  CHECK_TRUE(FreeForOthers(box.mu));  // the guard released the lock it took back
  {
    sesam::MutexLock lock(box.mu);
    lock.Unlock();
  }
  CHECK_TRUE(FreeForOthers(box.mu));  // and does not unlock twice
}

TEST(Mutex, ReadersShareWritersDoNot) {
  sesam::SharedMutex mu;
  bool read = false;
  {
    sesam::ReaderMutexLock reader(mu);
    // Would block forever if readers excluded each other.
    std::thread other([&] {
      sesam::ReaderMutexLock second(mu);
      read = true;
    });
    other.join();
  }
  CHECK_TRUE(read);
  sesam::WriterMutexLock writer(mu);
}
