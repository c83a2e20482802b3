// SPDX-License-Identifier: Apache-2.0
#include "temp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace sesam::fuzz {
namespace {

// Created once (mode 0600, as a secret file must be) and removed at exit.
struct TempFile {
  std::string path;
  TempFile() {
    // Memory-backed by default: rewriting a file on disk for every input
    // made the disk, not the parser, the bottleneck (ext4 writeback).
    const char* dir = std::getenv("TMPDIR");
    if (dir == nullptr || *dir == '\0') dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string name = std::string(dir) + "/sesam-fuzz-XXXXXX";
    const int fd = mkstemp(name.data());
    if (fd < 0) {
      std::perror("mkstemp");
      std::abort();
    }
    close(fd);
    path = name;
  }
  ~TempFile() { unlink(path.c_str()); }
};

}  // namespace

const std::string& WriteTempFile(const std::uint8_t* data, std::size_t size) {
  static TempFile file;
  const int fd = open(file.path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) {
    std::perror("open");
    std::abort();
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote = write(fd, data + done, size - done);
    if (wrote <= 0) {
      std::perror("write");
      std::abort();
    }
    done += static_cast<std::size_t>(wrote);
  }
  close(fd);
  return file.path;
}

}  // namespace sesam::fuzz
