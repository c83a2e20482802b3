// SPDX-License-Identifier: Apache-2.0
#include "sesam/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "sesam/posix.h"

namespace sesam {

Status LowerThisThreadPriority() {
  const auto thread_id = static_cast<id_t>(gettid());
  if (setpriority(PRIO_PROCESS, thread_id, kBackgroundNice) != 0) {
    return ErrnoToStatus(errno, "setpriority");
  }
  return Status::Ok();
}

}  // namespace sesam
