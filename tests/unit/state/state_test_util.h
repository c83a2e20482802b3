// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the state store tests: temp directories, forked children,
// and an assertion that prints the Status it did not expect.
#pragma once

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "sesam/state_store.h"
// Last: CppUTest's leak-detector macros break the standard headers' placement
// new, so the test files include this header after everything else.
#include <CppUTest/TestHarness.h>

#define CHECK_OK(expr)                                                      \
  do {                                                                      \
    const ::sesam::Status check_ok_status_ = (expr);                        \
    CHECK_TEXT(check_ok_status_.ok(), check_ok_status_.ToString().c_str()); \
  } while (false)

#define CHECK_CODE(expected, expr)                                                              \
  do {                                                                                          \
    const ::sesam::Status check_code_status_ = (expr);                                          \
    CHECK_TEXT(check_code_status_.code() == (expected), check_code_status_.ToString().c_str()); \
  } while (false)

namespace state_test {

inline constexpr uid_t kNobody = 65534;
inline constexpr gid_t kNogroup = 65534;

// A private temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sesam-state-test-XXXXXX";
    const char* made = mkdtemp(pattern);
    if (made == nullptr) FAIL("mkdtemp failed");
    path_ = made;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline struct stat Stat(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) FAIL(("stat " + path).c_str());
  return st;
}

// Runs `body` in a forked child and returns its exit code (128 + signal when
// it died). The child reports problems on stderr and leaves with _exit, so no
// CppUTest state of the parent runs twice.
inline int InChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `body` in a child that has dropped root for `uid`:`gid`.
inline int AsUser(uid_t uid, gid_t gid, const std::function<int()>& body) {
  return InChild([&] {
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) return 97;
    return body();
  });
}

// In a child: 0 when `status` is OK, else prints it and returns `code`.
inline int Report(const sesam::Status& status, int code) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "child: %s\n", status.ToString().c_str());
  return code;
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace state_test
