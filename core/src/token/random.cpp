// SPDX-License-Identifier: Apache-2.0
// Random bytes from the kernel only. No fallback to /dev/urandom, rand() or the
// time: a process that cannot get real randomness must not issue secrets.
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "sesam/crypto.h"
#include "sesam/posix.h"

namespace sesam::crypto {

Status FillRandom(void* out, std::size_t size) {
  auto* cursor = static_cast<unsigned char*>(out);
  std::size_t left = size;
  while (left > 0) {
    // flags 0: the urandom pool, blocking only until it is initialised at boot.
    const ssize_t got = ::getrandom(cursor, left, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "getrandom");
    }
    cursor += got;
    left -= static_cast<std::size_t>(got);
  }
  return Status::Ok();
}

Result<std::string> RandomBytes(std::size_t size) {
  std::string bytes(size, '\0');
  SESAM_RETURN_IF_ERROR(FillRandom(bytes.data(), bytes.size()));
  return bytes;
}

Result<std::string> RandomId(std::size_t bytes) {
  SESAM_ASSIGN_OR_RETURN(std::string raw, RandomBytes(bytes));
  std::string id = Base64UrlEncode(raw);
  WipeString(raw);
  return id;
}

}  // namespace sesam::crypto
