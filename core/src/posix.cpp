// SPDX-License-Identifier: Apache-2.0
#include "sesam/posix.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sesam {
namespace {

StatusCode ErrnoCode(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENXIO:
    case ENODEV:
      return StatusCode::kNotFound;
    case EEXIST:
      return StatusCode::kAlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case EINVAL:
    case ENAMETOOLONG:
    case ELOOP:
      return StatusCode::kInvalidArgument;
    case EISDIR:
    case EBADF:
    case ENOTEMPTY:
      return StatusCode::kFailedPrecondition;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ENOBUFS:
    case EFBIG:
      return StatusCode::kResourceExhausted;
    case ETIMEDOUT:
      return StatusCode::kDeadlineExceeded;
    case EAGAIN:
    case EINTR:
    case EBUSY:
    case EIO:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

std::string ErrnoText(int err) {
  char buffer[256];
  // The GNU strerror_r: returns the text, in `buffer` or a static string.
  return ::strerror_r(err, buffer, sizeof buffer);
}

Status ErrnoToStatus(int err, std::string_view context) {
  std::string message(context);
  if (!message.empty()) message += ": ";
  if (err == 0) return InternalError(message + "no error number");
  message += ErrnoText(err);
  return Status(ErrnoCode(err), std::move(message));
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::Close() noexcept {
  if (fd_ < 0) return 0;
  return ::close(release());
}

}  // namespace sesam
