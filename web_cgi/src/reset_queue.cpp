// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <exception>

#include "client_ip.h"
#include "fair_queue.h"
#include "sesam/log.h"
#include "sesam/thread_priority.h"
#include "sesam/web/reset_flow.h"
#include "text.h"

namespace sesam::web {
namespace {

// Requests with the same key would do the same work and mail the same people.
std::string MergeKey(const ForgotRequest& request) {
  std::string key = request.username;
  key += '\n';
  for (const char c : TrimSpace(request.email)) {
    key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  key += '\n';
  key += request.language;
  return key;
}

// One minute's worth of the rate: a request never waits much longer than that.
std::size_t CapacityFor(const config::Rate& rate) {
  const double per_minute = static_cast<double>(rate.count) * 60'000.0 /
                            static_cast<double>(std::max<std::int64_t>(rate.window.count(), 1));
  return std::max<std::size_t>(100, static_cast<std::size_t>(std::ceil(per_minute)));
}

}  // namespace

ResetQueue::ResetQueue(ResetFlow& flow, ResetQueueOptions options)
    : flow_(flow),
      capacity_(CapacityFor(options.rate)),
      interval_(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(options.rate.window) /
          std::max(options.rate.count, 1u)),
      queue_(std::make_unique<FairQueue>(capacity_)) {
  for (unsigned i = 0; i < options.workers; ++i) workers_.emplace_back([this] { Work(); });
}

ResetQueue::~ResetQueue() { Shutdown(std::chrono::steady_clock::now()); }

void ResetQueue::Submit(ForgotRequest request) {
  const ClientKey client = ClientKeyOf(request.client_ip);
  std::string key = MergeKey(request);
  std::size_t dropped = 0;
  {
    MutexLock lock(mutex_);
    if (stopping_) {
      dropped = ++dropped_;
    } else {
      switch (queue_->Push(client, std::move(key), std::move(request))) {
        case FairQueue::Pushed::kMerged:
          return;
        case FairQueue::Pushed::kQueued:
          wake_.NotifyOne();
          return;
        case FairQueue::Pushed::kDisplaced:
          wake_.NotifyOne();
          dropped = ++dropped_;
          break;
        case FairQueue::Pushed::kDropped:
          dropped = ++dropped_;
          break;
      }
    }
  }
  // Under a flood one line per drop would flood the log too: the first and
  // every 1000th, written after the lock is released.
  if (dropped % 1000 == 1) {
    log::Error("reset request dropped: the request queue is full or shutting down (" +
               std::to_string(dropped) +
               " dropped so far, from the clients with the most requests waiting)");
  }
}

void ResetQueue::WaitIdle() {
  MutexLock lock(mutex_);
  while (!queue_->empty() || busy_ != 0) idle_.Wait(mutex_);
}

void ResetQueue::Shutdown(std::chrono::steady_clock::time_point deadline) {
  {
    MutexLock lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    deadline_ = deadline;
  }
  wake_.NotifyAll();
  pace_.NotifyAll();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  MutexLock lock(mutex_);
  if (!queue_->empty()) {
    log::Warning("shutdown: " + std::to_string(queue_->size()) +
                 " reset request(s) not handled before the deadline");
    queue_->Clear();
  }
}

void ResetQueue::Work() {
  if (Status lowered = LowerThisThreadPriority(); !lowered.ok()) {
    log::Warning("reset worker keeps its CPU priority: " + lowered.ToString());
  }
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && queue_->empty()) wake_.Wait(mutex_);
    if (queue_->empty() || (stopping_ && std::chrono::steady_clock::now() >= deadline_)) return;
    if (!stopping_) {
      // Each start takes the next free slot of the rate, over all workers.
      const auto now = std::chrono::steady_clock::now();
      const auto start = std::max(now, next_start_);
      next_start_ = start + interval_;
      // Until the slot comes, or Shutdown; WaitUntil is false once `start` passed.
      if (start > now) {
        while (!stopping_ && pace_.WaitUntil(mutex_, start)) {
        }
      }
      if (queue_->empty()) continue;
    }
    // The client whose turn it is when the slot comes, not when it was taken.
    ForgotRequest request = std::move(*queue_->Pop());
    ++busy_;
    lock.Unlock();
    try {
      (void)flow_.HandleForgot(request);
    } catch (const std::exception& error) {
      log::Error(std::string("reset request failed: internal error: ") + error.what());
    }
    WipeString(request.username);
    WipeString(request.email);
    lock.Lock();
    --busy_;
    if (queue_->empty() && busy_ == 0) idle_.NotifyAll();
  }
}

}  // namespace sesam::web
