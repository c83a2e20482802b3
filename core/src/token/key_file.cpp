// SPDX-License-Identifier: Apache-2.0
// `sesam genkey`: a fresh signing key, private from the first byte on disk.
#include <fcntl.h>
#include <string.h>  // explicit_bzero
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sesam/crypto.h"
#include "sesam/posix.h"
#include "sesam/token.h"

namespace sesam::token {
namespace {

constexpr std::size_t kMaxKeySize = 64 * 1024;  // what config::ReadSecretFile accepts

// Wipes the key bytes whatever way the function leaves.
class WipedBuffer {
 public:
  explicit WipedBuffer(std::size_t size) : bytes_(size) {}
  ~WipedBuffer() { explicit_bzero(bytes_.data(), bytes_.size()); }
  WipedBuffer(const WipedBuffer&) = delete;
  WipedBuffer& operator=(const WipedBuffer&) = delete;
  unsigned char* data() { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  unsigned char& back() { return bytes_.back(); }

 private:
  std::vector<unsigned char> bytes_;
};

Status FillKey(WipedBuffer& key) {
  SESAM_RETURN_IF_ERROR(crypto::FillRandom(key.data(), key.size()));
  // ReadSecretFile strips one trailing line end, which would shorten the key.
  while (key.back() == '\n' || key.back() == '\r') {
    SESAM_RETURN_IF_ERROR(crypto::FillRandom(&key.back(), 1));
  }
  return Status::Ok();
}

Status WriteAll(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "");  // the caller names the file
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return Status::Ok();
}

}  // namespace

Status GenerateKeyFile(const std::string& path, std::size_t bytes) {
  if (bytes < kMinKeySize || bytes > kMaxKeySize) {
    return InvalidArgumentError("a token key has between " + std::to_string(kMinKeySize) + " and " +
                                std::to_string(kMaxKeySize) + " bytes");
  }
  WipedBuffer key(bytes);
  SESAM_RETURN_IF_ERROR(FillKey(key));

  // O_EXCL: never overwrite a key in use (that would void every link and any
  // other process's copy); with O_CREAT it also refuses a symlink at `path`.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoToStatus(errno, "cannot create key file " + path);
  // The umask may have taken bits away but never adds any; fchmod makes the
  // mode exactly 0600 whatever it is.
  Status status;
  if (::fchmod(fd.get(), 0600) != 0) {
    status = ErrnoToStatus(errno, "cannot set mode 0600 on " + path);
  } else if (Status written = WriteAll(fd.get(), key.data(), key.size()); !written.ok()) {
    status = InternalError("cannot write key file " + path + ": " + written.message());
  } else if (::fsync(fd.get()) != 0) {
    status = ErrnoToStatus(errno, "cannot sync key file " + path);
  } else if (fd.Close() != 0) {  // now, so that a deferred write error is seen
    status = ErrnoToStatus(errno, "cannot close key file " + path);
  }
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

}  // namespace sesam::token
