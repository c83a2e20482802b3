// SPDX-License-Identifier: Apache-2.0
#include "sesam/status.h"

#include <unistd.h>

#include <cstdlib>

namespace sesam {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kDataLoss:
      return "DataLoss";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string text(StatusCodeName(code_));
  if (!message_.empty()) text.append(": ").append(message_);
  return text;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message.append(": ").append(message_);
  return Status(code_, std::move(message), reason_);
}

namespace internal {

void DieOfMisuse(std::string_view what, const Status& status) noexcept {
  // One write(2) of a preformatted line: no stdio buffer to lose in abort(),
  // and the line is not torn by another thread's output.
  try {
    std::string line = "sesam: ";
    line.append(what).append(": ").append(status.ToString()).append("\n");
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    static constexpr char kNoMemory[] = "sesam: misuse of a Status or Result\n";
    [[maybe_unused]] const ssize_t ignored =
        ::write(STDERR_FILENO, kNoMemory, sizeof kNoMemory - 1);
  }
  std::abort();
}

}  // namespace internal

}  // namespace sesam
