// SPDX-License-Identifier: Apache-2.0
// A mutex, a reader/writer mutex, their scoped guards and a condition variable,
// annotated for clang's -Wthread-safety (as abseil's Mutex is), so that the
// compiler proves every member marked SESAM_GUARDED_BY(mu) is only touched with
// mu held. std::mutex and std::lock_guard carry no annotations with libstdc++, so
// code that used them directly could not be checked.
//
// Under GCC the annotation macros expand to nothing; the types are thin inline
// wrappers around std::mutex, std::shared_mutex and std::condition_variable.
//
// Waiting: CondVar takes the Mutex itself and has no predicate overloads,
// because the analysis does not see into a lambda (a predicate reading guarded
// members would be flagged). Callers write the loop, where the lock is known:
//
//   MutexLock lock(mu_);
//   while (queue_.empty()) ready_.Wait(mu_);
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define SESAM_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define SESAM_THREAD_ANNOTATION_(x)
#endif

#define SESAM_CAPABILITY(name) SESAM_THREAD_ANNOTATION_(capability(name))
#define SESAM_SCOPED_CAPABILITY SESAM_THREAD_ANNOTATION_(scoped_lockable)
#define SESAM_GUARDED_BY(mu) SESAM_THREAD_ANNOTATION_(guarded_by(mu))
#define SESAM_PT_GUARDED_BY(mu) SESAM_THREAD_ANNOTATION_(pt_guarded_by(mu))
#define SESAM_ACQUIRED_BEFORE(...) SESAM_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define SESAM_ACQUIRED_AFTER(...) SESAM_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))
#define SESAM_REQUIRES(...) SESAM_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define SESAM_REQUIRES_SHARED(...) SESAM_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
#define SESAM_ACQUIRE(...) SESAM_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define SESAM_ACQUIRE_SHARED(...) SESAM_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define SESAM_RELEASE(...) SESAM_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define SESAM_RELEASE_SHARED(...) SESAM_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define SESAM_RELEASE_GENERIC(...) SESAM_THREAD_ANNOTATION_(release_generic_capability(__VA_ARGS__))
#define SESAM_TRY_ACQUIRE(...) SESAM_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
#define SESAM_EXCLUDES(...) SESAM_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define SESAM_ASSERT_CAPABILITY(x) SESAM_THREAD_ANNOTATION_(assert_capability(x))
#define SESAM_RETURN_CAPABILITY(x) SESAM_THREAD_ANNOTATION_(lock_returned(x))
// For the rare function the analysis cannot follow; say why next to each use.
#define SESAM_NO_THREAD_SAFETY_ANALYSIS SESAM_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace sesam {

class CondVar;

class SESAM_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() SESAM_ACQUIRE() { mu_.lock(); }
  void Unlock() SESAM_RELEASE() { mu_.unlock(); }
  bool TryLock() SESAM_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis the caller holds the lock where it cannot see it.
  void AssertHeld() const SESAM_ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock and Lock let a scope step out of the
// lock for slow work (a connect, a delivery report) and come back.
class SESAM_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) SESAM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() SESAM_RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() SESAM_RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() SESAM_ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// Many readers or one writer.
class SESAM_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() SESAM_ACQUIRE() { mu_.lock(); }
  void Unlock() SESAM_RELEASE() { mu_.unlock(); }
  void LockShared() SESAM_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() SESAM_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a SharedMutex exclusively for its scope.
class SESAM_SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mu) SESAM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterMutexLock() SESAM_RELEASE() { mu_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds a SharedMutex shared for its scope.
class SESAM_SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) SESAM_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderMutexLock() SESAM_RELEASE() { mu_.UnlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

// A condition variable for Mutex. Every wait may wake spuriously: loop on the
// condition (see the top of this file).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases mu, waits for a notification, and holds mu again on return.
  void Wait(Mutex& mu) SESAM_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // mu stays held: the caller's guard unlocks it
  }

  // As Wait, until `deadline` at the latest. False when the deadline passed.
  template <class Clock, class Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      SESAM_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const std::cv_status status = cv_.wait_until(lock, deadline);
    lock.release();
    return status == std::cv_status::no_timeout;
  }

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace sesam
