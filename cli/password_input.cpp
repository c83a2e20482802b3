// SPDX-License-Identifier: Apache-2.0
#include "password_input.h"

#include <string.h>  // explicit_bzero
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sesam::cli {

LineReader::~LineReader() { explicit_bzero(buffer_, sizeof buffer_); }

bool LineReader::Next(SecretString& line) {
  line.Clear();
  bool any = false;
  for (;;) {
    if (start_ == end_) {
      if (eof_) return any;
      explicit_bzero(buffer_, sizeof buffer_);
      const ssize_t got = ::read(STDIN_FILENO, buffer_, sizeof buffer_);
      if (got <= 0) {
        eof_ = true;
        return any;
      }
      start_ = 0;
      end_ = static_cast<std::size_t>(got);
    }
    any = true;
    const char* begin = buffer_ + start_;
    const void* newline = std::memchr(begin, '\n', end_ - start_);
    if (newline == nullptr) {
      line.Append(std::string_view(begin, end_ - start_));
      start_ = end_;
      continue;
    }
    const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
    line.Append(std::string_view(begin, length + 1));
    start_ += length + 1;
    line.TrimLineEnd();
    return true;
  }
}

NoEcho::NoEcho() {
  if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
}

NoEcho::~NoEcho() {
  if (active_) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    std::fputc('\n', stderr);
  }
}

void PrintVerdict(const policy::Verdict& verdict) {
  for (const auto& rule : verdict.rules) {
    // Class marks are informational: indented under "classes".
    std::printf("%s%s %s\n", rule.informational ? "    " : "", rule.passed ? "✓" : "✗",
                rule.message.c_str());
  }
  std::printf("%s\n", verdict.accepted ? "accepted" : "refused");
}

}  // namespace sesam::cli
