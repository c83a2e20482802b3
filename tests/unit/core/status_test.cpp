// SPDX-License-Identifier: Apache-2.0
#include "sesam/status.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <memory>
#include <string>

#include "sesam/posix.h"
// CppUTest's leak detector redefines `new`: its headers come last.
#include "../check_ok.h"

using sesam::Result;
using sesam::Status;
using sesam::StatusCode;

TEST_GROUP(Status){};

TEST(Status, DefaultIsOk) {
  const Status status;
  CHECK_TRUE(status.ok());
  STRCMP_EQUAL("OK", status.ToString().c_str());
}

TEST(Status, CarriesCodeMessageAndReason) {
  const Status status(StatusCode::kUnavailable, "slapd is down", "ldap.down");
  CHECK_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kUnavailable);
  STRCMP_EQUAL("Unavailable: slapd is down", status.ToString().c_str());
  STRCMP_EQUAL("ldap.down", status.reason().c_str());
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsCode) {
  const Status status = sesam::NotFoundError("no entry").WithContext("lookup jan");
  CHECK(status.code() == StatusCode::kNotFound);
  STRCMP_EQUAL("lookup jan: no entry", status.message().c_str());
  CHECK_TRUE(Status::Ok().WithContext("ignored").ok());
}

namespace {
Result<int> Half(int n) {
  if (n % 2 != 0) return sesam::InvalidArgumentError("odd");
  return n / 2;
}
Result<int> Quarter(int n) {
  SESAM_ASSIGN_OR_RETURN(int half, Half(n));
  SESAM_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}
Status CheckEven(int n) {
  SESAM_RETURN_IF_ERROR(Half(n).status());
  return Status::Ok();
}
}  // namespace

TEST(Status, ResultHoldsValueOrError) {
  const Result<int> good = Half(8);
  CHECK_OK(good);
  LONGS_EQUAL(4, *good);
  const Result<int> bad = Half(3);
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  LONGS_EQUAL(7, bad.value_or(7));
}

TEST(Status, MacrosPropagateTheFirstError) {
  LONGS_EQUAL(2, *Quarter(8));
  CHECK_FALSE(Quarter(6).ok());  // 6/2 = 3 is odd
  STRCMP_EQUAL("odd", Quarter(6).status().message().c_str());
  CHECK_TRUE(CheckEven(2).ok());
  CHECK_FALSE(CheckEven(1).ok());
}

TEST(Status, ResultWorksWithMoveOnlyTypes) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(5));
  std::unique_ptr<int> taken = std::move(result).value();
  LONGS_EQUAL(5, *taken);
}

// Misuse must abort with a message naming the Status in every build type. These
// tests run in the RelWithDebInfo build (NDEBUG defined), where the old assert
// was compiled out and value() dereferenced a null pointer.
namespace {

struct Death {
  int signal = 0;  // 0 when the child exited normally
  std::string stderr_text;
};

// Runs `misuse` in a forked child whose stderr is a pipe; returns how it ended.
Death RunInChild(const std::function<void()>& misuse) {
  int fds[2];
  CHECK_EQUAL(0, ::pipe(fds));
  sesam::UniqueFd reader(fds[0]);
  sesam::UniqueFd writer(fds[1]);
  const pid_t child = ::fork();
  CHECK_TRUE(child >= 0);
  if (child == 0) {
    ::dup2(writer.get(), STDERR_FILENO);
    misuse();
    ::_exit(0);
  }
  writer.reset();
  Death death;
  char buffer[512];
  ssize_t got;
  while ((got = ::read(reader.get(), buffer, sizeof buffer)) > 0) {
    death.stderr_text.append(buffer, static_cast<std::size_t>(got));
  }
  int status = 0;
  CHECK_EQUAL(child, ::waitpid(child, &status, 0));
  if (WIFSIGNALED(status)) death.signal = WTERMSIG(status);
  return death;
}

void CheckAbortsWith(const Death& death, const std::string& expected) {
  LONGS_EQUAL(SIGABRT, death.signal);
  if (death.stderr_text.find(expected) == std::string::npos) {
    FAIL(("stderr lacks '" + expected + "': " + death.stderr_text).c_str());
  }
}

volatile int sink;  // keeps the dereferences below from being optimised away

}  // namespace

TEST(Status, ValueOfAFailedResultAbortsNamingTheStatus) {
  const Death death = RunInChild([] {
    const Result<int> bad = sesam::NotFoundError("no account 'jan'");
    sink = bad.value();
  });
  CheckAbortsWith(death, "sesam: value() of a failed Result: NotFound: no account 'jan'");
}

TEST(Status, StarAndArrowOfAFailedResultAbort) {
  CheckAbortsWith(RunInChild([] {
                    Result<int> bad = sesam::UnavailableError("slapd is down");
                    sink = *bad;
                  }),
                  "Unavailable: slapd is down");
  CheckAbortsWith(RunInChild([] {
                    Result<std::string> bad = sesam::InternalError("broken");
                    sink = static_cast<int>(bad->size());
                  }),
                  "Internal: broken");
  CheckAbortsWith(RunInChild([] {
                    Result<std::unique_ptr<int>> bad = sesam::DataLossError("torn");
                    std::unique_ptr<int> taken = std::move(bad).value();
                    sink = *taken;
                  }),
                  "DataLoss: torn");
}

TEST(Status, AResultFromAnOkStatusAborts) {
  CheckAbortsWith(RunInChild([] {
                    const Result<int> odd{Status::Ok()};
                    sink = odd.ok() ? 1 : 0;
                  }),
                  "sesam: a Result built from an OK Status: OK");
}

TEST(Status, CorrectUseDoesNotAbort) {
  const Death death = RunInChild([] {
    const Result<int> good = 4;
    sink = good.value();
  });
  LONGS_EQUAL(0, death.signal);
  STRCMP_EQUAL("", death.stderr_text.c_str());
}
