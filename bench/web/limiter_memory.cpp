// SPDX-License-Identifier: Apache-2.0
// What one client costs a per-client limiter (rate_limiter.h): the heap that
// N distinct clients take (glibc's mallinfo2) and the growth of the resident
// set, divided by the clients it holds. Usage: sesam_bench_limiter_memory [clients [max_clients]]
// (default 200000 clients, room for all of them). The numbers are in
// docs/PERFORMANCE.md ("Per-client limiter memory").
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "client_ip.h"
#include "rate_limiter.h"

namespace {

long ResidentKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono;
  const long clients = argc > 1 ? std::atol(argv[1]) : 200'000;
  const long room = argc > 2 ? std::atol(argv[2]) : clients;
  const long resident_before = ResidentKb();
  const auto heap_before = mallinfo2().uordblks;
  sesam::web::RateLimiter limiter("bench", {20, minutes(10)}, static_cast<std::size_t>(room));
  const auto t0 = sesam::web::RateLimiter::Clock::now();
  for (long i = 0; i < clients; ++i) {
    // One IPv6 /64 each: the worst case, every client a key of its own.
    char address[48];
    std::snprintf(address, sizeof address, "2001:db8:%lx:%lx::1", i >> 16, i & 0xffff);
    (void)limiter.Hit(sesam::web::ClientKeyOf(address), t0 + milliseconds(i));
  }
  const auto heap = static_cast<double>(mallinfo2().uordblks - heap_before);
  const auto resident = static_cast<double>(ResidentKb() - resident_before) * 1024.0;
  const auto held = static_cast<double>(limiter.size());
  std::printf(
      "clients %ld, room %ld, held %.0f: heap %.1f MB (%.0f B/held client), "
      "resident %.1f MB (%.0f B/held client)\n",
      clients, room, held, heap / 1e6, heap / held, resident / 1e6, resident / held);
  return 0;
}
