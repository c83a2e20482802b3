// SPDX-License-Identifier: Apache-2.0
// Must NOT compile under clang -Wthread-safety -Werror (test mutex_annotations_checked):
// proves the annotations of sesam/mutex.h are live, not macros expanding to nothing.
#include "sesam/mutex.h"

struct Counter {
  sesam::Mutex mu;
  int value SESAM_GUARDED_BY(mu) = 0;
  int Unlocked() { return value; }
};
