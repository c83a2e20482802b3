// SPDX-License-Identifier: Apache-2.0
// Background threads (reset rounds, mail delivery) run at a lower CPU priority
// than the threads that answer requests. The answer to POST forgot never waits
// for them, and under a burst they must not slow the answers down: otherwise
// the answers for real accounts (whose background work is larger: a directory
// write and mails) would be slower than those for unknown ones, and a burst
// would tell them apart. Idle CPU still goes to them, so they catch up as
// soon as the burst ends.
#pragma once

#include "sesam/status.h"

namespace sesam {

// Background threads run at the lowest nice level: when answering threads
// want the CPU, a background thread gets about 1.5% of what one of them gets
// (Linux CFS weights 15 vs 1024), never nothing, so mail keeps moving even on
// a busy machine. Measured in bench/web: nice 10 left the answers of a flood
// 10-30% slower than nice 19 (docs/PERFORMANCE.md).
inline constexpr int kBackgroundNice = 19;

// Lowers the calling thread's CPU priority to kBackgroundNice (Linux gives
// every thread its own nice value). Failure (e.g. a seccomp filter) is
// returned, never fatal: the thread still works, only without the lower
// priority.
Status LowerThisThreadPriority();

}  // namespace sesam
