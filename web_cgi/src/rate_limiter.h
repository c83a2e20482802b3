// SPDX-License-Identifier: Apache-2.0
// A per-client limit such as [web] ip_limit = 20/10m: at most 20 counted
// events per client key (client_ip.h) in any 10 minutes, in this process only
// (the per-account limit is the one that must hold across processes; it
// lives in the directory). Thread-safe.
//
// Memory. Each client costs one fixed-size entry: a 16-byte key, the number
// of its newest slice and nine 16-bit counters, in a hash map node (48 bytes,
// a 64-byte malloc chunk) plus its 8-byte slot in the table, which is
// reserved whole at start. Measured with bench/web/limiter_memory.cpp (glibc,
// x86-64, 200 000 clients): 64 bytes of heap per client plus the table, 74
// bytes resident; the deque of time points per address string that this
// replaced took 784 bytes (156 MB for 200 000 clients). An entry goes when its
// events leave the window, and there are never more than `max_clients`
// entries ([web] limit_clients, default 100 000): a limiter needs at most
// about max_clients * 72 bytes, and 16 bytes per entry more for a moment
// while it makes room (measured at the cap: 9.9 MB resident for 100 000).
//
// Accuracy. Events are counted in 8 slices of the window, and the slice that
// is partly older than the window still counts: nobody ever gets more than
// the limit in any window, and a client at the limit waits at most one slice
// (1/8 of the window) longer than an exact sliding window would make it.
//
// When `max_clients` is reached (a flood from many addresses) the limiter
// drops first the entries whose events all left the window, then the entries
// with the fewest events in the window (of equal ones the least recent),
// until a quarter of the room is free, and logs a warning saying so. A client at the limit is
// dropped only when more than three quarters of all entries are at the limit too, so fresh
// addresses cannot wash out the heavy hitters' counts: a flood would have to bring the limit's
// worth of requests from each of 3/4 * max_clients addresses within one window, and all of those
// would be limited themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "client_ip.h"
#include "sesam/config.h"
#include "sesam/mutex.h"

namespace sesam::web {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr unsigned kSlices = 8;
  static constexpr std::size_t kDefaultMaxClients = 100'000;

  // `name` (the config key) is for the log line when room has to be made.
  // `rate.count` 0 switches the limit off.
  RateLimiter(std::string name, config::Rate rate, std::size_t max_clients = kDefaultMaxClients);

  // Counts one event for `key` unless it is at the limit. Returns 0 when the
  // event was allowed (and counted), else the seconds until the next one
  // would be (for Retry-After).
  long Hit(const ClientKey& key, Clock::time_point now);

  // Like Hit, but never counts: 0 when an event would be allowed now.
  long Check(const ClientKey& key, Clock::time_point now);

  // Takes back one event that Hit counted for `key` at `counted_at`, for a
  // try that turned out not to be what the limit bounds (the change page
  // counts every try when it comes, before the directory is asked, and gives
  // back the completed changes). Nothing happens when that event already
  // left the window or was never counted.
  void Refund(const ClientKey& key, Clock::time_point counted_at);

  // Entries held now (for tests and the memory measurement).
  std::size_t size();
  // Entries dropped to stay within max_clients since the last call.
  std::uint64_t TakeEvicted();

 private:
  struct Entry {
    std::uint32_t newest = 0;                // the slice of the newest counted event
    std::uint16_t counts[kSlices + 1] = {};  // ring, indexed by slice % (kSlices + 1)
  };

  long Decide(const ClientKey& key, Clock::time_point now, bool count);
  std::uint32_t SliceOf(Clock::time_point now) const;
  // Events of `entry` still in the window at slice `slice`.
  unsigned Live(Entry& entry, std::uint32_t slice) const;
  void Sweep(std::uint32_t slice) SESAM_REQUIRES(mutex_);
  void MakeRoom(std::uint32_t slice) SESAM_REQUIRES(mutex_);

  const std::string name_;
  const config::Rate rate_;
  const std::size_t max_clients_;
  const Clock::duration slice_;
  Mutex mutex_;
  std::unordered_map<ClientKey, Entry, ClientKeyHash> entries_ SESAM_GUARDED_BY(mutex_);
  std::uint32_t last_sweep_ SESAM_GUARDED_BY(mutex_) = 0;
  std::uint64_t evicted_ SESAM_GUARDED_BY(mutex_) = 0;
};

}  // namespace sesam::web
