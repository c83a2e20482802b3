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

// The nice increment of background threads: they get about a tenth of the CPU
// an answering thread gets when both want it (Linux CFS weights 1024 vs 110).
inline constexpr int kBackgroundNice = 10;

// Lowers the calling thread's CPU priority by kBackgroundNice (Linux gives
// every thread its own nice value). Failure (e.g. a seccomp filter) is
// returned, never fatal: the thread still works, only without the lower
// priority.
Status LowerThisThreadPriority();

}  // namespace sesam
