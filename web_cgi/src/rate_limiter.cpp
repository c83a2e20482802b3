// SPDX-License-Identifier: Apache-2.0
#include "rate_limiter.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "sesam/log.h"

namespace sesam::web {

RateLimiter::RateLimiter(std::string name, config::Rate rate, std::size_t max_clients)
    : name_(std::move(name)),
      rate_(rate),
      max_clients_(std::max<std::size_t>(max_clients, 4)),
      slice_(std::max<Clock::duration>(
          std::chrono::duration_cast<Clock::duration>(rate.window) / kSlices,
          std::chrono::milliseconds(1))) {
  // The whole table at once: no rehash (a pause and twice the memory) in a flood.
  if (rate_.count != 0) entries_.reserve(max_clients_);
}

std::uint32_t RateLimiter::SliceOf(Clock::time_point now) const {
  return static_cast<std::uint32_t>(now.time_since_epoch() / slice_);
}

unsigned RateLimiter::Live(Entry& entry, std::uint32_t slice) const {
  if (slice > entry.newest) {
    // Slots of slices that passed without events, and of those now out of
    // the window, start again at zero.
    const std::uint32_t passed = std::min<std::uint32_t>(slice - entry.newest, kSlices + 1);
    for (std::uint32_t i = 1; i <= passed; ++i)
      entry.counts[(entry.newest + i) % (kSlices + 1)] = 0;
    entry.newest = slice;
  }
  unsigned live = 0;
  for (const auto count : entry.counts) live += count;
  return live;
}

long RateLimiter::Hit(const ClientKey& key, Clock::time_point now) {
  return Decide(key, now, true);
}

long RateLimiter::Check(const ClientKey& key, Clock::time_point now) {
  return Decide(key, now, false);
}

void RateLimiter::Refund(const ClientKey& key, Clock::time_point counted_at) {
  if (rate_.count == 0) return;
  const std::uint32_t slice = SliceOf(counted_at);
  MutexLock lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end()) return;
  Entry& entry = found->second;
  // The slot still holds `slice`'s events while it is one of the newest
  // kSlices + 1; after that it was zeroed and reused.
  if (slice > entry.newest || entry.newest - slice > kSlices) return;
  std::uint16_t& count = entry.counts[slice % (kSlices + 1)];
  if (count > 0) --count;
}

long RateLimiter::Decide(const ClientKey& key, Clock::time_point now, bool count) {
  if (rate_.count == 0) return 0;  // 0/... switches the limit off
  const std::uint32_t slice = SliceOf(now);
  MutexLock lock(mutex_);
  if (slice >= last_sweep_ + kSlices) Sweep(slice);
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    if (!count) return 0;
    if (entries_.size() >= max_clients_) MakeRoom(slice);
    found = entries_.emplace(key, Entry{slice, {}}).first;
  }
  Entry& entry = found->second;
  const unsigned live = Live(entry, slice);
  std::uint16_t& newest = entry.counts[entry.newest % (kSlices + 1)];
  if (live < rate_.count && newest < std::numeric_limits<std::uint16_t>::max()) {
    if (count) ++newest;
    return 0;
  }
  // Drop the oldest slots until the rest is under the limit: the wait is
  // until the last of those leaves the window.
  // The ring's oldest slot is newest - kSlices, which is newest + 1 modulo
  // kSlices + 1; slot i (from the oldest) leaves the window at newest + 1 + i.
  unsigned rest = live;
  std::uint32_t freed_at = entry.newest + 1;  // the 65535-in-one-slice case
  for (std::uint32_t i = 0; i <= kSlices; ++i) {
    rest -= entry.counts[(entry.newest + 1 + i) % (kSlices + 1)];
    if (rest < rate_.count) {
      freed_at = entry.newest + 1 + i;
      break;
    }
  }
  const auto wait = now.time_since_epoch() < slice_ * freed_at
                        ? slice_ * freed_at - now.time_since_epoch()
                        : Clock::duration::zero();
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  return seconds < 1 ? 1 : static_cast<long>(seconds);
}

// Drops clients whose events all left the window, so memory stays bounded by
// the clients seen in one window.
void RateLimiter::Sweep(std::uint32_t slice) {
  std::erase_if(entries_, [&](const auto& item) { return item.second.newest + kSlices < slice; });
  last_sweep_ = slice;
}

void RateLimiter::MakeRoom(std::uint32_t slice) {
  Sweep(slice);
  const std::size_t target = max_clients_ - max_clients_ / 4;
  if (entries_.size() <= target) return;
  // Fewest live events first; of equal ones the least recently active.
  std::vector<std::pair<std::uint64_t, ClientKey>> ranked;
  ranked.reserve(entries_.size());
  for (auto& [key, entry] : entries_) {
    ranked.emplace_back((std::uint64_t{Live(entry, slice)} << 32) | entry.newest, key);
  }
  const std::size_t drop = entries_.size() - target;
  std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(drop), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < drop; ++i) entries_.erase(ranked[i].second);
  evicted_ += drop;
  // At most once per max_clients / 4 new clients: no flood of lines.
  log::Warning(name_ + ": " + std::to_string(max_clients_) +
               " clients in memory ([web] limit_clients): forgot the " + std::to_string(drop) +
               " with the fewest requests in the window (a flood from many addresses?)");
}

std::size_t RateLimiter::size() {
  MutexLock lock(mutex_);
  return entries_.size();
}

std::uint64_t RateLimiter::TakeEvicted() {
  MutexLock lock(mutex_);
  return std::exchange(evicted_, 0);
}

}  // namespace sesam::web
