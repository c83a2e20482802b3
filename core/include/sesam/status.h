// SPDX-License-Identifier: Apache-2.0
// Errors as values: Status for operations that return nothing, Result<T> for
// operations that return a T or fail. Nothing here throws. Misuse (reading the
// value of a failed Result, building a Result from an OK Status) is a programming
// error: it aborts with a message naming the Status in every build type, as
// abseil's StatusOr does, never undefined behaviour (an assert would vanish
// under NDEBUG, which release builds define).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sesam {

// A handful of codes, named as in abseil, so callers can branch on the kind of
// failure without parsing messages.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong (bad config value, bad password)
  kNotFound,         // no such account, file, key
  kAlreadyExists,
  kPermissionDenied,    // refused by policy or access rights
  kFailedPrecondition,  // the world is not in the state the operation needs (stale token)
  kResourceExhausted,   // a limit was reached (rate limit, queue full)
  kUnavailable,         // a server is down or unreachable; trying again later may work
  kDeadlineExceeded,    // a timeout expired
  kInternal,            // a bug or an impossible state
  kDataLoss,            // stored data is corrupt or unreadable (a damaged state file)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // The default Status is OK.
  Status() = default;
  // `reason` is an optional stable machine-readable tag (e.g. "ppolicy.in_history")
  // for callers that must tell apart failures sharing a code.
  Status(StatusCode code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& reason() const { return reason_; }

  // "NotFound: no account 'jan'" (or "OK").
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` + ": ".
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }

namespace internal {
// Writes "sesam: <what>: <status>" to stderr and aborts. Out of line so that
// the hot inline accessors stay small.
[[noreturn]] void DieOfMisuse(std::string_view what, const Status& status) noexcept;
}  // namespace internal

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit by design
  // Precondition: !status.ok(); an OK Status aborts (there is no value to hold).
  Result(Status status) : state_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    if (std::get<0>(state_).ok()) {
      internal::DieOfMisuse("a Result built from an OK Status", std::get<0>(state_));
    }
  }

  bool ok() const { return state_.index() == 1; }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<0>(state_); }

  // Precondition: ok(); on an error these abort naming the Status.
  T& value() & { return *get_if(); }
  const T& value() const& { return *get_if(); }
  T&& value() && { return std::move(*get_if()); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return get_if(); }
  const T* operator->() const { return get_if(); }

  // The value, or `fallback` when this Result holds an error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  T* get_if() {
    if (!ok()) internal::DieOfMisuse("value() of a failed Result", std::get<0>(state_));
    return std::get_if<1>(&state_);
  }
  const T* get_if() const {
    if (!ok()) internal::DieOfMisuse("value() of a failed Result", std::get<0>(state_));
    return std::get_if<1>(&state_);
  }

  std::variant<Status, T> state_;
};

}  // namespace sesam

#define SESAM_INTERNAL_CONCAT2(a, b) a##b
#define SESAM_INTERNAL_CONCAT(a, b) SESAM_INTERNAL_CONCAT2(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not OK.
#define SESAM_RETURN_IF_ERROR(expr)                        \
  do {                                                     \
    ::sesam::Status sesam_status_tmp_ = (expr);            \
    if (!sesam_status_tmp_.ok()) return sesam_status_tmp_; \
  } while (false)

// SESAM_ASSIGN_OR_RETURN(auto account, directory.FindAccount(name));
// Evaluates `expr` (a Result<T>); on error returns its Status, else moves the
// value into `lhs`.
#define SESAM_ASSIGN_OR_RETURN(lhs, expr) \
  SESAM_INTERNAL_ASSIGN_OR_RETURN(SESAM_INTERNAL_CONCAT(sesam_result_, __LINE__), lhs, expr)
#define SESAM_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
