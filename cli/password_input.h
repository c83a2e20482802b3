// SPDX-License-Identifier: Apache-2.0
// Reading a password from stdin, and showing a policy verdict: shared by
// `sesam check` and `sesam set-password`.
#pragma once

#include <termios.h>
#include <cstddef>

#include "sesam/policy.h"
#include "sesam/secret_string.h"

namespace sesam::cli {

// Reads stdin in large blocks and hands out lines; every buffer is wiped.
class LineReader {
 public:
  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // The next line without its "\n" / "\r\n" into `line`; false at the end.
  bool Next(SecretString& line);

 private:
  char buffer_[1 << 16];
  std::size_t start_ = 0, end_ = 0;
  bool eof_ = false;
};

// Turns terminal echo off for its lifetime when stdin is a terminal.
class NoEcho {
 public:
  NoEcho();
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho();

 private:
  termios saved_{};
  bool active_ = false;
};

// One line per rule ("✓ At least 8 characters"), then "accepted" or "refused".
void PrintVerdict(const policy::Verdict& verdict);

}  // namespace sesam::cli
