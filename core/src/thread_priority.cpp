// SPDX-License-Identifier: Apache-2.0
#include "sesam/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sesam {

Status LowerThisThreadPriority() {
  const auto thread_id = static_cast<id_t>(gettid());
  if (setpriority(PRIO_PROCESS, thread_id, kBackgroundNice) != 0) {
    return InternalError(std::string("setpriority: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace sesam
