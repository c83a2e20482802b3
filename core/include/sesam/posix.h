// SPDX-License-Identifier: Apache-2.0
// The two places where core meets POSIX error and handle conventions: errno
// becomes a Status in exactly one function (as leveldb's PosixError), and a file
// descriptor has exactly one owner type. Both are safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "sesam/status.h"

namespace sesam {

// The Status for `err` (an errno value), message "<context>: <strerror(err)>".
// The code, abseil's mapping cut to our codes:
//   ENOENT ENOTDIR ENXIO ENODEV           NotFound
//   EEXIST                                AlreadyExists
//   EACCES EPERM EROFS                    PermissionDenied
//   EINVAL ENAMETOOLONG ELOOP             InvalidArgument
//   EISDIR EBADF ENOTEMPTY                FailedPrecondition
//   ENOSPC EDQUOT EMFILE ENFILE ENOMEM    ResourceExhausted (also ENOBUFS EFBIG)
//   ETIMEDOUT                             DeadlineExceeded
//   EAGAIN EINTR EBUSY EIO, network       Unavailable
//   anything else (ENOSYS, EFAULT, ...)   Internal
// err == 0 (a caller that read errno where no call had set it) gives Internal
// "<context>: no error number": not an abort, as this runs in login processes.
Status ErrnoToStatus(int err, std::string_view context);

// strerror(err), thread-safe (strerror(3) may share one buffer between threads).
std::string ErrnoText(int err);

// Owns one file descriptor and closes it on destruction. Move-only. Closing
// retries nothing (on Linux the descriptor is gone after close(2) even on
// EINTR, so a retry could close another thread's new descriptor) and logs
// nothing: callers that must see a deferred write error call Close().
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  // Takes `fd` (may be negative: owns nothing, e.g. a failed open(2)).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the held descriptor (its result ignored) and takes `fd`.
  void reset(int fd = -1) noexcept;
  // Closes now and returns close(2)'s result (-1 with errno set on failure);
  // the descriptor is released either way. 0 when nothing was held.
  int Close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace sesam
