// SPDX-License-Identifier: Apache-2.0
#include "sesam/posix.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <CppUTest/TestHarness.h>

using sesam::ErrnoToStatus;
using sesam::StatusCode;
using sesam::UniqueFd;

namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int OpenDevNull() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

TEST_GROUP(ErrnoToStatus){};

TEST(ErrnoToStatus, MessageIsContextThenStrerror) {
  const sesam::Status status = ErrnoToStatus(ENOENT, "cannot open blocklist /x");
  CHECK(status.code() == StatusCode::kNotFound);
  STRCMP_EQUAL("cannot open blocklist /x: No such file or directory", status.message().c_str());
  STRCMP_EQUAL("Permission denied", ErrnoToStatus(EACCES, "").message().c_str());
}

// The one rule that replaced three: the codes callers branch on (NotFound and
// PermissionDenied skip an optional blocklist; AlreadyExists refuses genkey).
TEST(ErrnoToStatus, MapsTheCodesCallersBranchOn) {
  CHECK(ErrnoToStatus(ENOENT, "x").code() == StatusCode::kNotFound);
  CHECK(ErrnoToStatus(ENOTDIR, "x").code() == StatusCode::kNotFound);
  CHECK(ErrnoToStatus(EEXIST, "x").code() == StatusCode::kAlreadyExists);
  CHECK(ErrnoToStatus(EACCES, "x").code() == StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatus(EPERM, "x").code() == StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatus(EROFS, "x").code() == StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatus(ENOSPC, "x").code() == StatusCode::kResourceExhausted);
  CHECK(ErrnoToStatus(EMFILE, "x").code() == StatusCode::kResourceExhausted);
  CHECK(ErrnoToStatus(ETIMEDOUT, "x").code() == StatusCode::kDeadlineExceeded);
  CHECK(ErrnoToStatus(EIO, "x").code() == StatusCode::kUnavailable);
  CHECK(ErrnoToStatus(EISDIR, "x").code() == StatusCode::kFailedPrecondition);
  CHECK(ErrnoToStatus(ELOOP, "x").code() == StatusCode::kInvalidArgument);
  CHECK(ErrnoToStatus(ENOSYS, "x").code() == StatusCode::kInternal);
}

// An ifstream that failed without errno must not turn into an OK Status (or
// an abort inside a login process).
TEST(ErrnoToStatus, ZeroIsAnInternalError) {
  const sesam::Status status = ErrnoToStatus(0, "cannot open catalog /x");
  CHECK(status.code() == StatusCode::kInternal);
  STRCMP_EQUAL("cannot open catalog /x: no error number", status.message().c_str());
}

TEST(ErrnoToStatus, ErrnoTextIsStrerror) {
  STRCMP_EQUAL("No such file or directory", sesam::ErrnoText(ENOENT).c_str());
}

TEST_GROUP(UniqueFd){};

TEST(UniqueFd, ClosesOnDestruction) {
  int raw = -1;
  {
    const UniqueFd fd(OpenDevNull());
    raw = fd.get();
    CHECK_TRUE(fd.valid());
    CHECK_TRUE(IsOpen(raw));
  }
  CHECK_FALSE(IsOpen(raw));
}

TEST(UniqueFd, MoveTransfersOwnershipOnce) {
  UniqueFd first(OpenDevNull());
  const int raw = first.get();
  UniqueFd second(std::move(first));
  CHECK_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): the contract under test
  LONGS_EQUAL(raw, second.get());
  UniqueFd third;
  third = std::move(second);
  LONGS_EQUAL(raw, third.get());
  CHECK_TRUE(IsOpen(raw));
  third = UniqueFd();
  CHECK_FALSE(IsOpen(raw));
}

TEST(UniqueFd, ReleaseKeepsTheDescriptorOpen) {
  UniqueFd fd(OpenDevNull());
  const int raw = fd.release();
  CHECK_FALSE(fd.valid());
  CHECK_TRUE(IsOpen(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesTheOldDescriptor) {
  UniqueFd fd(OpenDevNull());
  const int old = fd.get();
  const int fresh = ::dup(old);
  fd.reset(fresh);
  CHECK_FALSE(IsOpen(old));
  CHECK_TRUE(IsOpen(fresh));
}

TEST(UniqueFd, CloseReportsAndReleases) {
  UniqueFd fd(OpenDevNull());
  const int raw = fd.get();
  LONGS_EQUAL(0, fd.Close());
  CHECK_FALSE(fd.valid());
  CHECK_FALSE(IsOpen(raw));
  LONGS_EQUAL(0, fd.Close());  // nothing held: nothing to close
  UniqueFd bad(1000000);       // not an open descriptor: close(2) fails, EBADF
  LONGS_EQUAL(-1, bad.Close());
  LONGS_EQUAL(EBADF, errno);
}

TEST(UniqueFd, NegativeOwnsNothing) {
  const UniqueFd fd(-1);
  CHECK_FALSE(fd.valid());
}
