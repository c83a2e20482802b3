#include "sesam/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sesam {

Status LowerThisThreadPriority() {
  const auto thread_id = static_cast<id_t>(gettid());
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, thread_id);
  if (current == -1 && errno != 0) {
    return InternalError(std::string("getpriority: ") + std::strerror(errno));
  }
  // 19 is the lowest priority; a thread already there stays there.
  const int lowered = current + kBackgroundNice > 19 ? 19 : current + kBackgroundNice;
  if (setpriority(PRIO_PROCESS, thread_id, lowered) != 0) {
    return InternalError(std::string("setpriority: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace sesam
